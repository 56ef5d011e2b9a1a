"""django-fsm-2's `graph_transitions`, available without adding django_fsm to INSTALLED_APPS.

`manage.py graph_transitions pipeline.Deal` prints the state machine in Graphviz dot;
`-o deal.png` renders it (that needs the Graphviz `dot` program).
"""

from django_fsm.management.commands.graph_transitions import Command as FsmGraphCommand


class Command(FsmGraphCommand):
    pass
