from django.contrib import admin

from .models import Counter, CounterSession, Ticket, TicketEvent


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ["window", "number", "label", "active"]
    list_filter = ["active", "window"]
    filter_horizontal = ["items"]
    exclude = ["pad_key"]  # made on the counter page ("Connect a new pad"), never typed


@admin.register(CounterSession)
class CounterSessionAdmin(admin.ModelAdmin):
    list_display = ["counter", "user", "day", "signed_in_at", "signed_out_at"]
    list_filter = ["day"]
    raw_id_fields = ["counter", "user"]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "from_status", "to_status", "counter", "actor", "note"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read only: tickets move through the counter page and the API (hall.services)."""

    list_display = ["__str__", "window", "day", "item", "status", "priority", "counter"]
    list_filter = ["status", "day", "priority"]
    date_hierarchy = "issued_at"
    inlines = [TicketEventInline]
    # The phone is not listed: personal data stays on the ticket's own page.
    readonly_fields = [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
