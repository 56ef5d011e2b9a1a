from django.apps import AppConfig


class CollateralConfig(AppConfig):
    name = "collateral"
