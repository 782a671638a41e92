#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see galaxy.yml)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: facts
short_description: Gather accelctl's view of the host's accelerators as facts
version_added: 0.1.0
description:
  - Sets C(ansible_facts.accelctl) from accelctl's C(--json) inventory commands, so a play can choose by
    availability and NUMA node.
  - Read-only; runs in check mode too.
extends_documentation_fragment:
  - accelctl.vfio.common
seealso:
  - module: accelctl.vfio.plan
author:
  - accelctl maintainers
'''

EXAMPLES = r'''
- name: Gather accelctl facts
  accelctl.vfio.facts:

- name: Show the free single-port mtty partitions
  ansible.builtin.debug:
    msg: "{{ ansible_facts.accelctl.parents | selectattr('name', 'equalto', 'mtty') | map(attribute='types') | flatten
             | selectattr('id', 'equalto', 'mtty-1') | map(attribute='availableInstances') | first }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts to add to ansible_facts.
  returned: always
  type: complex
  contains:
    accelctl:
      description: accelctl's inventory of the host.
      returned: always
      type: complex
      contains:
        parents:
          description: mdev parents and their types with C(availableInstances) (C(accelctl types --json) C(parents)).
          type: list
          elements: dict
        partitions:
          description: Live partitions, exactly the objects of C(accelctl list --json) C(partitions).
          type: list
          elements: dict
        definitions:
          description: Saved definitions (C(accelctl list --defined --json) C(partitions)).
          type: list
          elements: dict
        groups:
          description: IOMMU groups, members and viability (C(accelctl groups --json) C(groups)).
          type: list
          elements: dict
        numa:
          description: NUMA nodes with their CPUs, distances and devices, and C(unattached) devices (C(accelctl topology --json)).
          type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accelctl.vfio.plugins.module_utils.accelctl import COMMON_ARGS, Accelctl


def main():
    module = AnsibleModule(argument_spec=dict(**COMMON_ARGS), supports_check_mode=True)
    ax = Accelctl(module)
    topo = ax.json(['topology'])[1]
    facts = dict(
        parents=ax.json(['types'])[1]['parents'],
        partitions=ax.json(['list'])[1]['partitions'],
        definitions=ax.json(['list', '--defined'])[1]['partitions'],
        groups=ax.json(['groups'])[1]['groups'],
        numa=dict(nodes=topo['nodes'], unattached=topo['unattached']),
    )
    module.exit_json(changed=False, ansible_facts=dict(accelctl=facts))


if __name__ == '__main__':
    main()
