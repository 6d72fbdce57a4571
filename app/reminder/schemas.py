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
        return cls(
            estate_id=estate.id,
            committee_term_ends_on=estate.committee_term_ends_on,
            service_contract_ends_on=estate.service_contract_ends_on,
            preliminary_contract_ends_on=estate.preliminary_contract_ends_on,
        )


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
        return cls(
            kind=reminder.kind,
            basis=reminder.basis,
            due_from=reminder.due_from,
            ends_on=reminder.ends_on,
            overdue=reminder.overdue,
            message_zh=reminder.message_zh,
            message_en=reminder.message_en,
        )


class RemindersRead(ReadModel):
    """R-LIFE-11, R-LIFE-12: reminders only; nothing is blocked."""

    estate_id: uuid.UUID
    today: date = Field(description="Asia/Shanghai date the reminders were computed for")
    dates: ReminderDatesRead
    last_assembly_closed_on: date | None
    reminders: list[ReminderRead]

    @classmethod
    def of(cls, view: ReminderView) -> RemindersRead:
        return cls(
            estate_id=view.estate.id,
            today=view.today,
            dates=ReminderDatesRead.of(view.estate),
            last_assembly_closed_on=view.last_assembly_closed_on,
            reminders=[ReminderRead.of(reminder) for reminder in view.reminders],
        )
