#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see galaxy.yml)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: health
short_description: Run accelctl's VFIO health check and register the results
version_added: 0.1.0
description:
  - Runs C(accelctl health [DEVICE...] --json) on the target; each device is opened through VFIO and work is pushed
    through its queue (see C(accelctl selftest)). Devices are left as found, so it runs in check mode too.
  - Fails the task when any step of any device fails, naming them; the results are returned either way.
options:
  devices:
    description:
      - Devices to check (mdev UUID, PCI address or C(group:N)); empty checks every partition and vfio-pci device.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - accelctl.vfio.common
author:
  - accelctl maintainers
'''

EXAMPLES = r'''
- name: Check every partition and vfio-pci device
  accelctl.vfio.health:
  register: health

- name: Check one device
  accelctl.vfio.health:
    devices:
      - 0000:41:00.0
'''

RETURN = r'''
results:
  description: One result per device (C(accelctl health --json) C(results)), with its steps.
  returned: always
  type: list
  elements: dict
  sample: [{"device": "0000:41:00.0", "profile": "edu", "profileVersion": 1, "ok": true, "steps": [], "metrics": {}}]
metrics:
  description: Each device's C(metrics), by device name.
  returned: always
  type: dict
failed_steps:
  description: "One C(DEVICE: STEP: DETAIL) line for each failed step."
  returned: always
  type: list
  elements: str
rc:
  description: accelctl's exit code (0 all healthy, 1 a check failed).
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accelctl.vfio.plugins.module_utils.accelctl import COMMON_ARGS, Accelctl


def main():
    module = AnsibleModule(
        argument_spec=dict(devices=dict(type='list', elements='str', default=[]), **COMMON_ARGS),
        supports_check_mode=True,
    )
    ax = Accelctl(module)
    # Exit 1 with a JSON document is "a check failed"; any other failure has no results to report.
    rc, doc = ax.json(['health'] + module.params['devices'], ok=(0, 1))
    results = doc['results']
    failed = ['%s: %s: %s' % (r['device'], s['name'], s.get('detail') or 'failed')
              for r in results for s in r['steps'] if not s['ok'] and not s.get('skipped')]
    out = dict(changed=False, results=results, metrics=dict((r['device'], r['metrics']) for r in results),
               failed_steps=failed, rc=rc)
    if rc != 0 or failed:
        module.fail_json(msg='health check failed: %s' % ('; '.join(failed) or 'accelctl exit %d' % rc), **out)
    module.exit_json(**out)


if __name__ == '__main__':
    main()
