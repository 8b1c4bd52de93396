"""A change of what a staff member may do ends their API tokens (issue 10): a token must not
carry yesterday's windows or role. (A password change ends them through the token's auth hash,
see ipservice.authentication; deactivation through DRF's own check.)"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from .models import StaffMembership


def end_tokens(user_ids):
    Token.objects.filter(user_id__in=user_ids).delete()


@receiver(post_save, sender=StaffMembership, dispatch_uid="tokens-end-on-membership-save")
@receiver(post_delete, sender=StaffMembership, dispatch_uid="tokens-end-on-membership-delete")
def membership_changed(sender, instance, **kwargs):
    end_tokens([instance.user_id])


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="tokens-end-on-groups")
def groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """user.groups.add/remove/clear, or from the group's side (`reverse`: `instance` is the
    group); a call that changes nothing ends nothing."""
    if action in ("post_add", "post_remove") and pk_set:
        end_tokens(pk_set if reverse else [instance.pk])
    elif action == "pre_clear" and reverse:
        end_tokens(list(instance.user_set.values_list("pk", flat=True)))
    elif action == "post_clear" and not reverse:
        end_tokens([instance.pk])
