"""Append-only rows: the ledger's entries and every history table.

A row is written once and never updated nor deleted; a correction is a new row. The ORM
refuses here (the model and its queryset), and on PostgreSQL row triggers refuse raw SQL
too: each model declares `append_only_triggers(...)` in its Meta.triggers, installed by
django-pgtrigger through the room's migrations (issue 12 item 4; before, each room copied
the same hand-written function into a RunSQL migration). Rows of hash-chained tables
(`chained = True`) are inserted through plania.core.chain.save_chained, which links them
to the previous row of their chain.
"""

from typing import Any, ClassVar

import pgtrigger
from django.db import models

from plania.core.chain import save_chained


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only row."""


class AppendOnly(pgtrigger.Protect):
    """pgtrigger's Protect (a row trigger BEFORE the operation that raises), with the
    refusal the hand-written triggers gave: `<message>: UPDATE refused on <table> id <id>`,
    SQLSTATE 23000 (integrity_constraint_violation, an IntegrityError in Django)."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        self.message = message.replace("'", "''")
        super().__init__(**kwargs)

    def get_func(self, model: type[models.Model]) -> str:
        return self.format_sql(
            f"""
            RAISE EXCEPTION '{self.message}: % refused on % id %', TG_OP, TG_TABLE_NAME,
                OLD.id USING ERRCODE = 'integrity_constraint_violation';
            """
        )


def append_only_triggers(
    message: str, *, delete_condition: pgtrigger.Condition | None = None
) -> list[pgtrigger.Trigger]:
    """Meta.triggers of an append-only table: UPDATE refused, DELETE refused (unless
    `delete_condition`, a WHEN clause under which the DELETE is refused, says otherwise)."""
    return [
        AppendOnly(name="append_only_update", operation=pgtrigger.Update, message=message),
        AppendOnly(
            name="append_only_delete",
            operation=pgtrigger.Delete,
            message=message,
            condition=delete_condition,
        ),
    ]


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise self.model.refusal("updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise self.model.refusal("deleted")


class AppendOnlyModel(models.Model):
    # The room's own exception (a subclass of AppendOnlyError) and how its rows are named
    # in the refusal ("Ledger entries cannot be updated; record a new entry.").
    append_only_error: ClassVar[type[AppendOnlyError]] = AppendOnlyError
    append_only_noun: ClassVar[str] = "Rows"
    append_only_hint: ClassVar[str] = ""
    chained: ClassVar[bool] = False

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def refusal(cls, verb: str) -> AppendOnlyError:
        hint = f"; {cls.append_only_hint}" if cls.append_only_hint else ""
        return cls.append_only_error(f"{cls.append_only_noun} cannot be {verb}{hint}.")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise self.refusal("updated")
        if self.chained:
            save_chained(self, super().save, *args, **kwargs)
        else:
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise self.refusal("deleted")
