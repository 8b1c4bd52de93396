from django.apps import AppConfig


class IpserviceConfig(AppConfig):
    name = "ipservice"
    verbose_name = "ipservice"

    def ready(self):
        from . import signals  # noqa: F401 (connects the receivers)
