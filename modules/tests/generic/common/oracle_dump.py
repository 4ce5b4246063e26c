# Test-only ansible-core callback for srplay's differential test
# (modules/tests/common/oracle.rs): writes each task's result, as
# `register` would see it, to $SRPLAY_ORACLE_RESULTS/<task name>.json, so
# one playbook runs many cases without a dump task after each of them.
import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "srplay_oracle_dump"
    CALLBACK_NEEDS_ENABLED = True

    def _save(self, result, failed=False, skipped=False):
        # `failed`/`skipped` are the callback's verdict, not always keys of
        # the result data; `register` would store them, so add them.
        data = dict(result.result)
        data["failed"] = failed
        data["changed"] = result.is_changed()
        if skipped:
            data["skipped"] = True
        name = result.task_name
        path = os.path.join(os.environ["SRPLAY_ORACLE_RESULTS"], name + ".json")
        with open(path, "w") as f:
            json.dump(data, f, default=str)

    def v2_runner_on_ok(self, result):
        self._save(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._save(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._save(result, skipped=True)
