# -*- coding: utf-8 -*-
# MIT License (see galaxy.yml)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options every accelctl.vfio module passes through to accelctl.
    DOCUMENTATION = r'''
options:
  executable:
    description:
      - The accelctl program to run, a name looked up on the target's PATH or a path.
    type: str
    default: accelctl
  root:
    description:
      - accelctl's C(--root) prefix for every system path (C(/sys), C(/dev), C(/etc), C(/proc)).
      - For tests on a captured or generated tree; leave unset on a real host.
    type: path
requirements:
  - accelctl on the managed host (C(accelctl --version) works)
notes:
  - The module runs accelctl with a list argv (no shell), reads its C(--json) output and maps its exit code;
    every decision is accelctl's. On failure C(msg) is accelctl's one-line message and C(rc) its exit code
    (2 usage, 3 not found, 4 permission, 5 busy or no capacity, 6 the kernel refused).
'''
