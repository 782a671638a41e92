# -*- coding: utf-8 -*-
# MIT License (see galaxy.yml)
"""Runs accelctl for the accelctl.vfio modules: a list argv, JSON out, exit codes mapped to failures."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

COMMON_ARGS = dict(
    executable=dict(type='str', default='accelctl'),
    root=dict(type='path'),
)


def first_message(stderr):
    """accelctl's one-line `accelctl: ...` message (its first such line), else stderr's first line."""
    lines = [line for line in (stderr or '').splitlines() if line.strip()]
    for line in lines:
        if line.startswith('accelctl: '):
            return line[len('accelctl: '):]
    return lines[0] if lines else 'accelctl failed and said nothing on stderr'


class Accelctl(object):
    def __init__(self, module):
        self.module = module
        exe = module.params['executable']
        # A bare name is looked up on PATH (fails the task naming it when absent); a path is used as given.
        self.exe = exe if '/' in exe else module.get_bin_path(exe, required=True)
        self.root = module.params.get('root')

    def argv(self, args):
        base = [self.exe]
        if self.root:
            base += ['--root', self.root]
        return base + list(args)

    def run(self, args):
        argv = self.argv(args)
        # NO_COLOR: text on stderr stays plain for msg; --json output never has color anyway.
        rc, out, err = self.module.run_command(argv, environ_update={'NO_COLOR': '1'})
        return argv, rc, out, err

    def fail(self, argv, rc, err, **extra):
        self.module.fail_json(msg=first_message(err), rc=rc, stderr=err, cmd=argv, **extra)

    def json(self, args, ok=(0,)):
        """Runs `accelctl ARGS --json`; returns (rc, document). An exit code outside `ok` fails the task."""
        argv, rc, out, err = self.run(list(args) + ['--json'])
        if rc not in ok:
            self.fail(argv, rc, err)
        try:
            return rc, json.loads(out)
        except ValueError:
            # An exit code in `ok` other than 0 may also be an error without a document (exit 1 is both
            # "a check found a problem" and "the operation failed"): then accelctl's message says which.
            if rc != 0:
                self.fail(argv, rc, err)
            self.module.fail_json(msg='accelctl printed no JSON document', rc=rc, stdout=out, stderr=err, cmd=argv)
