"""The state machine engine every lifecycle uses.

Each lifecycle (proposal, call, assignment, review, letter) is a table of transitions given as
data to one module-level `transitions.Machine` with no model attached. `Workflow.fire` looks
the event up in that machine, runs its named guards, then changes the row with a
compare-and-set (`UPDATE … WHERE id = :id AND state = :expected`): the machine protects the
rule, the database protects the row from a concurrent request that read the same state. The
audit event is recorded in the same transaction. Nothing else assigns `.state`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from transitions import Machine

from evalflow import audit
from evalflow.database import utcnow
from evalflow.errors import InvalidTransition

# A guard receives the object and the event's context; it raises a domain error to refuse
# and has no side effects.
Guard = Callable[[Any, Mapping[str, Any]], None]


def _plain(transition: dict[str, Any]) -> dict[str, Any]:
    """The table names states by enum member; the machine knows them by value."""

    def value(state: Any) -> Any:
        if isinstance(state, list):
            return [value(s) for s in state]
        return state.value if isinstance(state, enum.Enum) else state

    return {**transition, "source": value(transition["source"]), "dest": value(transition["dest"])}


class Workflow:
    """One lifecycle: its states, transitions and guards, and the only way to change state."""

    def __init__(
        self,
        *,
        name: str,
        states: type[enum.StrEnum],
        transitions: list[dict[str, Any]],
        guards: Mapping[str, Guard],
        label: str,
        scope: Callable[[Any], dict[str, int | None]],
    ) -> None:
        self.name = name
        self.states = states
        self.label = label
        self.guards = dict(guards)
        self.scope = scope
        self.machine = Machine(
            model=None,
            states=[state.value for state in states],
            transitions=[_plain(t) for t in transitions],
            auto_transitions=False,
            initial=None,
        )
        missing = {
            condition.func
            for event in self.machine.events.values()
            for group in event.transitions.values()
            for transition in group
            for condition in transition.conditions
        } - set(self.guards)
        if missing:
            raise ValueError(f"{name}: guards without a function: {sorted(missing)}")

    @property
    def events(self) -> list[str]:
        """Every event name of this lifecycle."""
        return list(self.machine.events)

    def target(self, state: enum.StrEnum, event: str) -> enum.StrEnum | None:
        """The state `event` leads to from `state`, or None when it is not allowed there."""
        found = self.machine.get_transitions(trigger=event, source=state.value)
        return self.states(found[0].dest) if found else None

    def allowed_events(self, state: enum.StrEnum) -> list[str]:
        """Events that the state allows (guards aside)."""
        return self.machine.get_triggers(state.value)

    def check(self, obj: Any, event: str, **context: Any) -> enum.StrEnum:
        """Run the event's guards without changing anything; return the target state."""
        found = self.machine.get_transitions(trigger=event, source=obj.state.value)
        if not found:
            raise InvalidTransition(
                f"A {self.label} that is {obj.state.value} cannot {event.replace('_', ' ')}."
            )
        transition = found[0]
        for condition in transition.conditions:
            self.guards[condition.func](obj, context)
        return self.states(transition.dest)

    def fire(
        self,
        session: Session,
        obj: Any,
        event: str,
        actor: Any,
        *,
        reason: str | None = None,
        values: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        at: datetime | None = None,
        **context: Any,
    ) -> enum.StrEnum:
        """Move `obj` through `event` on behalf of `actor`, or raise and change nothing.

        `values` are further columns written in the same UPDATE (a timestamp, an amount), so a
        check constraint tying them to the state holds at every instant.
        """
        source = obj.state
        dest = self.check(obj, event, reason=reason, values=values or {}, at=at, **context)
        model = type(obj)
        changes = {"state": dest, **(values or {})}
        session.flush()
        result = session.execute(
            sa.update(model)
            .where(model.id == obj.id, model.state == source)
            .values(**changes)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise InvalidTransition(
                f"This {self.label} was changed by someone else meanwhile; reload and try again."
            )
        for key, value in changes.items():
            set_committed_value(obj, key, value)
        audit.record(
            session,
            actor=actor,
            action=f"{self.name}.{event}",
            entity_type=self.name,
            entity_id=obj.id,
            from_state=source.value,
            to_state=dest.value,
            reason=reason,
            data=dict(data or {}),
            at=at or utcnow(),
            **self.scope(obj),
        )
        return dest
