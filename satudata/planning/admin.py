from django.contrib import admin

from satudata.accounts.admin import PolicyAdmin, admin_site

from .models import DataPlan, PlannedData, ReminderLog


class PlannedDataInline(admin.TabularInline):
    model = PlannedData
    fields = ["title", "dataset", "access", "is_priority", "schedule", "lag_days"]
    raw_id_fields = ["dataset"]
    extra = 0
    show_change_link = False
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # through the portal's forms, which audit every change

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DataPlan, site=admin_site)
class DataPlanAdmin(PolicyAdmin):
    list_display = ["organization", "year", "created_at"]
    list_filter = ["year"]
    inlines = [PlannedDataInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderLog, site=admin_site)
class ReminderLogAdmin(PolicyAdmin):
    list_display = ["day", "kind", "item", "period_key", "recipients", "sent_at"]
    list_filter = ["kind", "day"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
