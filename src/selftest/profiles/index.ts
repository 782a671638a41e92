/** The profile registry: adding a device is adding a module and a line here. */
import { edu } from './edu.js';
import { generic } from './generic.js';
import { mtty } from './mtty.js';
import type { Profile } from './types.js';

export const PROFILES: readonly Profile[] = [generic, mtty, edu];

export const profileByName = (name: string): Profile | undefined => PROFILES.find((p) => p.name === name);

/** The profile for a PCI id (`vvvv:dddd`), generic when none claims it. */
export const profileForId = (id: string | null): Profile => (id && PROFILES.find((p) => p.ids.includes(id))) || generic;
