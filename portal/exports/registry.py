"""Exporters of data sets, registered by name, pretix-style.

An exporter says what it is called, which kind of object it applies to, who
may run it, and yields a header and rows; ``portal.exports.formats`` writes
them as CSV or xlsx, ``portal.exports.services`` runs the job. An app
registers its exporters with ``@register`` (webinars: "registrations" and
"attendance"; meetings: "meetings").
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar

from django.db import models

Table = tuple[Sequence[object], Iterator[Sequence[object]]]


class DataExporter:
    """One data set. Subclasses set the class attributes and implement ``table``."""

    identifier: ClassVar[str]
    #: What the dashboard calls it ("Registrations"); also the sheet's title.
    label: ClassVar[Any]
    #: The model of the object it applies to (a webinar, a meeting, a customer).
    model: ClassVar[type[models.Model]]

    def get_object(self, object_id: int) -> models.Model | None:
        return self.queryset().filter(pk=object_id).first()

    def queryset(self) -> models.QuerySet:
        return self.model._default_manager.all()

    def allowed(self, user, obj: models.Model) -> bool:
        """Whether ``user`` may export ``obj`` and download the file (checked on every request)."""
        raise NotImplementedError

    def count(self, obj: models.Model) -> int:
        """About how many rows ``table`` yields: the progress bar's total."""
        raise NotImplementedError

    def table(self, obj: models.Model) -> Table:
        """The header and a stream of rows (read a chunk at a time: exports can be large)."""
        raise NotImplementedError

    def time_zone(self, obj: models.Model) -> str:
        """The zone times are written in: the customer's, as spreadsheets have none."""
        return "UTC"

    def slug(self, obj: models.Model) -> str:
        """What names ``obj`` in the file name."""
        return str(obj.pk)

    def back_url(self, obj: models.Model) -> str:
        """The dashboard page the job page links back to."""
        return "/dashboard/"

    def download_name(self, obj: models.Model, created_at: datetime, fmt: str) -> str:
        """What the browser saves it as: the data set, its object and when it was asked for."""
        stamp = created_at.astimezone(zoneinfo.ZoneInfo(self.time_zone(obj)))
        return f"{self.identifier}-{self.slug(obj)}-{stamp:%Y-%m-%d-%H%M}.{fmt}"


EXPORTERS: dict[str, DataExporter] = {}


def register(cls: type[DataExporter]) -> type[DataExporter]:
    """Class decorator: make the exporter available under its identifier."""
    EXPORTERS[cls.identifier] = cls()
    return cls


def exporters_for(model: type[models.Model]) -> list[DataExporter]:
    """The exporters that apply to objects of ``model``, in the order they were registered."""
    return [e for e in EXPORTERS.values() if e.model is model]
