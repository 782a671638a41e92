#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see galaxy.yml)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: plan
short_description: Apply or assert an accelctl partition plan
version_added: 0.1.0
description:
  - Runs C(accelctl apply -f FILE -c CONFIG --json) (I(state=applied)) or C(accelctl assert) (I(state=asserted)) on the target.
  - A plan states the full partition set of each parent it names; accelctl creates what is missing and removes
    what is not listed (never a partition in use), and restores the previous layout when a step fails.
  - C(changed) is accelctl's own C(changed) field; a second run of the same plan reports no change.
  - Check mode runs C(accelctl apply --dry-run --json) and reports a change when accelctl plans a write or a
    definition file; nothing on the host changes.
  - With C(--diff), before and after are the partitions and definitions (C(accelctl list --all --json)), one line
    each; in check mode, after is the list of writes accelctl planned.
options:
  src:
    description:
      - A plan file (YAML or JSON) on the target.
      - Exactly one of I(src) and I(content).
    type: path
  content:
    description:
      - The plan itself (YAML or JSON text), written to the module's temporary directory on the target.
      - Exactly one of I(src) and I(content).
    type: str
  config:
    description:
      - The named config of the plan to use (accelctl C(-c)).
    type: str
    default: default
  state:
    description:
      - C(applied) makes the host match the plan; C(asserted) only checks, and fails listing each difference.
    type: str
    choices: [applied, asserted]
    default: applied
extends_documentation_fragment:
  - accelctl.vfio.common
seealso:
  - module: accelctl.vfio.facts
author:
  - accelctl maintainers
'''

EXAMPLES = r'''
- name: Two single-port mtty partitions, and nothing else on mtty
  accelctl.vfio.plan:
    content: |
      version: v1
      configs:
        default:
          - parent: mtty
            partitions:
              - type: mtty-1
                count: 2

- name: The layout kept in a file on the host, config "inference"
  accelctl.vfio.plan:
    src: /etc/accelctl/plan.yaml
    config: inference

- name: Fail when the host has drifted from the plan
  accelctl.vfio.plan:
    src: /etc/accelctl/plan.yaml
    state: asserted
'''

RETURN = r'''
config:
  description: The config of the plan that was used.
  returned: always
  type: str
  sample: default
changes:
  description: What apply did (accelctl C(apply --json) C(changes)); empty in check mode and for I(state=asserted).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "create", "uuid": "36bce496-a504-4d60-b7f9-911b117dd3cb", "parent": "mtty", "type": "mtty-1"}]
writes:
  description: In check mode, the sysfs writes accelctl planned (C(apply --dry-run --json)).
  returned: check mode with I(state=applied)
  type: list
  elements: dict
  sample: [{"path": "/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create", "value": "36bce496-a504-4d60-b7f9-911b117dd3cb"}]
files:
  description: In check mode, the definition files accelctl would write (C(content)) or delete (C(content) null).
  returned: check mode with I(state=applied)
  type: list
  elements: dict
differences:
  description: How the host differs from the plan (accelctl C(assert --json)); empty when it matches.
  returned: state=asserted
  type: list
  elements: dict
  sample: [{"parent": "mtty", "kind": "extra", "uuid": "0b0e0b0e-0002-4000-8000-000000000002", "type": "mtty-2", "detail": "0b0e0b0e-0002-4000-8000-000000000002 (mtty-2) is not in the plan"}]
rc:
  description: accelctl's exit code (on failure too).
  returned: always
  type: int
  sample: 0
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accelctl.vfio.plugins.module_utils.accelctl import COMMON_ARGS, Accelctl


def partition_lines(doc):
    rows = sorted(doc['partitions'], key=lambda p: (p['parent'], p['uuid']))
    return ''.join('%s %s %s %s\n' % (p['uuid'], p['parent'], p['type'], p['state']) for p in rows)


def planned_lines(dry):
    writes = ''.join('write %s <- %s\n' % (w['path'], w['value']) for w in dry.get('writes', []))
    files = ''.join(('delete %s\n' % f['path']) if f['content'] is None else ('write %s\n' % f['path']) for f in dry.get('files', []))
    return writes + files


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='path'),
            content=dict(type='str'),
            config=dict(type='str', default='default'),
            state=dict(type='str', choices=['applied', 'asserted'], default='applied'),
            **COMMON_ARGS
        ),
        mutually_exclusive=[('src', 'content')],
        required_one_of=[('src', 'content')],
        supports_check_mode=True,
    )
    ax = Accelctl(module)
    p = module.params
    path = p['src']
    if p['content'] is not None:
        path = os.path.join(module.tmpdir, 'plan.yaml')
        with open(path, 'w') as f:
            f.write(p['content'])
    plan_args = ['-f', path, '-c', p['config']]

    if p['state'] == 'asserted':
        # assert changes nothing, so it runs in check mode too. Exit 1 with a JSON document is "differs".
        rc, doc = ax.json(['assert'] + plan_args, ok=(0, 1))
        diffs = doc['differences']
        if rc != 0 or not doc['matches']:
            lines = ['%s: %s' % (d['parent'], d['detail']) for d in diffs]
            module.fail_json(msg='host differs from config %s: %s' % (doc['config'], '; '.join(lines)),
                             config=doc['config'], differences=diffs, changes=[], rc=rc)
        module.exit_json(changed=False, config=doc['config'], differences=diffs, changes=[], rc=rc)

    before = ax.json(['list', '--all'])[1] if module._diff else None
    if module.check_mode:
        rc, dry = ax.json(['apply', '--dry-run'] + plan_args)
        writes, files = dry.get('writes', []), dry.get('files', [])
        result = dict(changed=bool(writes or files), config=p['config'], changes=[], writes=writes, files=files, rc=rc)
        if before is not None:
            result['diff'] = dict(before_header='partitions and definitions', before=partition_lines(before),
                                  after_header='planned by accelctl apply --dry-run', after=planned_lines(dry))
        module.exit_json(**result)

    rc, doc = ax.json(['apply'] + plan_args)
    result = dict(changed=bool(doc['changed']), config=doc['config'], changes=doc['changes'], rc=rc)
    if before is not None:
        after = ax.json(['list', '--all'])[1]
        result['diff'] = dict(before_header='partitions and definitions', before=partition_lines(before),
                              after_header='partitions and definitions', after=partition_lines(after))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
