"""What appointments announces to the apps built on it. They connect their receivers in their
AppConfig.ready(), so appointments never imports them."""

import django.dispatch

# A case was completed, sent once the completion has been committed (never for one rolled
# back). Arguments: `case`.
case_completed = django.dispatch.Signal()
