# Test-only stdout callback: every task's result per host as one JSON line, printed after each
# playbook of the run (each line holds every task so far: the last line is the whole run).
# ansible-core 2.14 (Debian's) has no json callback (it lives in ansible.posix).
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
name: record
type: stdout
short_description: every task result as one JSON document (accelctl's tests)
description: [For the accelctl.vfio tests.]
'''

import json

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'record'

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.tasks = []

    def _record(self, result, status):
        self.tasks.append(dict(task=result._task.get_name(), host=result._host.get_name(), status=status,
                               result=result._result))

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        self._display.display(json.dumps(dict(tasks=self.tasks), default=str))
