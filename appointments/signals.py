"""What appointments announces to the apps built on it. They connect their receivers in their
AppConfig.ready(), so appointments never imports them."""

import django.dispatch

# A case was completed. Sent inside the completion's transaction: what a receiver writes commits
# or rolls back with it (anything outside the database belongs in transaction.on_commit).
# Arguments: `case`.
case_completed = django.dispatch.Signal()
