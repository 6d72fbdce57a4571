"""Request and response bodies for reminders and the dates they count from."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from app.common.schemas import Command, ReadModel
from app.place.models import Estate
from app.reminder.service import ReminderView
from app.rules.reminders import Reminder, ReminderKind


class ReminderDatesUpdate(Command):
    """Only the fields present change; null clears a date (Asia/Shanghai calendar dates)."""

    committee_term_ends_on: date | None = Field(default=None, description="Beijing Art. 49: the committee's term ends")
    service_contract_ends_on: date | None = Field(
        default=None, description="Beijing Art. 75: the service contract ends"
    )
    preliminary_contract_ends_on: date | None = Field(
        default=None, description="Beijing Art. 19: the preliminary service contract ends"
    )


class ReminderDatesRead(ReadModel):
    estate_id: uuid.UUID
    committee_term_ends_on: date | None
    service_contract_ends_on: date | None
    preliminary_contract_ends_on: date | None

    @classmethod
    def of(cls, estate: Estate) -> ReminderDatesRead:
        return cls.from_attributes_of(estate, estate_id=estate.id)


class ReminderRead(ReadModel):
    kind: ReminderKind
    basis: str = Field(description="The legal source, e.g. Beijing Art. 19")
    due_from: date | None = Field(description="First day the reminder is due (null: no assembly vote ever closed)")
    ends_on: date | None
    overdue: bool
    message_zh: str
    message_en: str

    @classmethod
    def of(cls, reminder: Reminder) -> ReminderRead:
        return cls.from_attributes_of(reminder)


class RemindersRead(ReadModel):
    """R-LIFE-11, R-LIFE-12: reminders only; nothing is blocked."""

    estate_id: uuid.UUID
    today: date = Field(description="Asia/Shanghai date the reminders were computed for")
    dates: ReminderDatesRead
    last_assembly_closed_on: date | None
    reminders: list[ReminderRead]

    @classmethod
    def of(cls, view: ReminderView) -> RemindersRead:
        return cls.from_attributes_of(
            view,
            estate_id=view.estate.id,
            dates=ReminderDatesRead.of(view.estate),
            reminders=[ReminderRead.of(reminder) for reminder in view.reminders],
        )
