from django.apps import AppConfig


class IpserviceConfig(AppConfig):
    name = "ipservice"
    verbose_name = "ipservice"
