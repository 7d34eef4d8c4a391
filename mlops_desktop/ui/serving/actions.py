"""The Deploy page's deployment actions: deploy, roll back, canary, shadow, promote, abort.

A mixin of ``DeployPage``: each action confirms with the user, runs the registry change off the
GUI thread through ``self._run`` and reports a refusal (with "… anyway" and a reason) in words.
"""

from __future__ import annotations

from mlops_desktop.evaluation.promotion import worse_than_live
from mlops_desktop.serving import deployments as ops
from mlops_desktop.serving.deployments import rollback_target
from mlops_desktop.ui.kit.dialogs import ErrorText, error_box
from mlops_desktop.ui.serving.dialogs import confirm
from mlops_desktop.ui.serving.model import (
    deploy_and_serve,
)


class DeployActions:
    """Deployment actions of the Deploy page (mixed into ``DeployPage``)."""

    def deploy_selected(self, force: bool = False, reason: str = "") -> None:
        """Make the selected version live; start the service when none runs."""
        row = self.selected()
        if row is None or row.is_live or self.busy:
            return
        port = self.service_card.port.value()
        starting = "" if self.service else f" and starting the scoring service on port {port}"
        self._run(
            f"Deploying {row.ref}{starting}…",
            deploy_and_serve,
            (row.ref, force, reason),
            {"port": port},
            ref=row.ref,
            action="Deploy",
            retry=lambda why: self.deploy_selected(True, why),
            title="Cannot Deploy",
            headline=f"{row.ref} was not deployed",
            done_text=lambda r: (
                f"{r['live']} is live; the service at {r['service'].url} serves it."
                if r["service"]
                else f"{r['live']} is live, but the scoring service is not running."
            ),
            after=self._check_service_started,
        )

    def _check_service_started(self, result: dict) -> None:
        if result["service_error"]:
            headline = f"{result['live']} is live, but the scoring service did not start"
            text = ErrorText(
                "Scoring Service",
                headline,
                result["service_error"] + " Choose another port and press Start service.",
                result["service_error_details"],
            )
            self.dialog = error_box(self, text)
            self.dialog.open()

    def roll_back(self) -> None:
        ws, row = self.model.workspace, self.selected()
        if ws is None or row is None or self.busy:
            return
        target, live = rollback_target(ws, row.name), ops.live_at(ws, row.name).live
        if target is None:
            return
        self.dialog = confirm(
            self,
            "Roll Back",
            f"Return {row.name} to {target}?",
            f"{live} stops serving; {target} answers every request within a second.",
            "&Roll back",
            lambda: self._run(
                f"Rolling {row.name} back to {target}…",
                ops.rollback,
                (row.name,),
                title="Cannot Roll Back",
                done_text=lambda _r: f"{row.name} is back on {target}.",
            ),
        )

    def request_canary(self, percent: int) -> None:
        ref, state = self.candidate_ref(), self.state
        if ref is None or state is None or state.live is None or self.busy:
            return
        rest = 100 - percent

        def go(force: bool = False, reason: str = "") -> None:  # the promotion rule applies
            self._run(
                f"Sending {percent}% of the traffic to {ref}…",
                ops.canary,
                (ref, float(percent), reason, force),
                ref=ref,
                action="Canary",
                retry=lambda why: go(True, why),
                title="Cannot Start the Canary",
                headline=f"{ref} did not get canary traffic",
                done_text=lambda _r: f"{ref} is a {percent}% canary.",
            )

        self.dialog = confirm(
            self,
            "Canary",
            f"Send {percent}% of {state.model}'s traffic to {ref}?",
            f"{state.live} keeps answering the other {rest}%. Promote or abort afterwards.",
            "&Apply",
            go,
            on_no=lambda: self.canary.set_applied(self.canary.applied),
        )

    def toggle_shadow(self, on: bool, force: bool = False, reason: str = "") -> None:
        ref, state = self.candidate_ref(), self.state
        if ref is None or state is None or self.busy:
            return
        if on:
            self._run(
                f"Shadowing {ref}…",
                ops.shadow,
                (ref, reason, force),
                ref=ref,
                action="Shadow",
                retry=lambda why: self.toggle_shadow(True, True, why),
                title="Cannot Start the Shadow",
                headline=f"{ref} did not start shadowing",
                done_text=lambda _r: f"{ref} scores every request in shadow.",
            )
        elif state.mode == "shadow":
            self._run(
                "Ending the shadow…",
                ops.abort,
                (state.model,),
                done_text=lambda _r: f"The shadow of {ref} ended.",
            )

    def promote(self, force: bool = False, reason: str = "") -> None:
        state = self.state
        if state is None or not state.candidate or self.busy:
            return
        name, cand = state.model, state.candidate

        def go(force: bool = force, reason: str = reason) -> None:
            self._run(
                f"Promoting {cand}…",
                ops.promote,
                (name, force, reason),
                ref=cand,
                action="Promote",
                retry=lambda why: go(True, why),
                title="Cannot Promote",
                headline=f"{cand} was not promoted",
                done_text=lambda _r: f"{cand} is live.",
            )

        if force:
            go()
            return
        ws = self.model.workspace
        worse = worse_than_live(ws, cand, state.live) if ws is not None else ""
        self.dialog = confirm(
            self,
            "Promote",
            f"Make {cand} live?",
            f"{state.live} stops serving; {cand} answers every request of {name}."
            + (f" {worse}" if worse else ""),
            "&Promote",
            go,
        )

    def abort(self) -> None:
        state = self.state
        if state is None or not state.candidate or self.busy:
            return
        self.dialog = confirm(
            self,
            "Abort",
            f"End the {state.mode} of {state.candidate}?",
            f"Every request of {state.model} goes to {state.live} again.",
            "&End it",
            lambda: self._run(
                f"Ending the {state.mode} of {state.candidate}…",
                ops.abort,
                (state.model,),
                done_text=lambda _r: f"All traffic is on {state.live}.",
            ),
        )
