import datetime as dt
from zoneinfo import ZoneInfo

from satudata.catalog.actions import add_version
from satudata.catalog.models import ResourceVersion
from satudata.planning.models import DataPlan, PlannedData

WITA = ZoneInfo("Asia/Makassar")


def at(date, hour=12, minute=0):
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=WITA)


def set_version(version, created, published):
    ResourceVersion.objects.filter(pk=version.pk).update(created_at=created, published_at=published)


def new_version(dataset, created, published):
    resource = dataset.resources.first()
    version = add_version(resource, f"a,b\n1,{created.isoformat()}\n".encode(), "x.csv")
    set_version(version, created, published)
    return version


def plan_item(organization, year, title, schedule, *, dataset=None, access="open", **fields):
    plan, _ = DataPlan.objects.get_or_create(organization=organization, year=year)
    item = PlannedData.objects.create(
        plan=plan, title=title, schedule=schedule, dataset=dataset, access=access, **fields
    )
    item.sync_periods()
    return item


def set_due(item, key, due):
    item.periods.filter(key=key).update(due_date=due)
