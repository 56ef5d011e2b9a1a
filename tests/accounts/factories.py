import factory
from django.contrib.auth.hashers import make_password

from accounts.models import Role, Team, User
from accounts.services import user_set_role

PASSWORD = "correct-horse-battery-staple"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")
    region = "Central"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.LazyFunction(lambda: make_password(PASSWORD))
    role = Role.REP
    team = factory.SubFactory(TeamFactory)
    start_date = factory.Faker("date_between", start_date="-2y", end_date="today")

    @factory.post_generation
    def with_role_groups(user: User, create: bool, extracted, **kwargs) -> None:
        if create:
            user_set_role(user=user, role=user.role)
