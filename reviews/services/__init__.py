"""The 好差评 workflows, one module each: ratings, rectifications (整改) of bad ones, appeals
(申诉/复核) and complaints (办不成事反映); steps holds what staff record at each step.

Pages (reviews/views/), the API (reviews/api/) and tasks call these functions, so who may do
what, in which order and by when is decided in one place. Refusals raise the FeedbackError
subclasses of reviews.exceptions (a stable `code` and a message for people), missing or bad
input a Django ValidationError keyed by field, and acting without the right raises
PermissionDenied.

Callers import from the module they need (`from reviews.services.ratings import rate`).
"""
