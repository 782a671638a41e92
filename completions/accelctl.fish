# fish completion for accelctl (generated from the command model; do not edit)

# Values from the host (or --root): one per line from accelctl __complete.
function __accelctl_host
    set -l tokens (commandline -opc)
    set -l args __complete $argv[1]
    # Assignments before the command; ACCELCTL_ROOT there is the root, as for a run.
    while set -q tokens[2]; and string match -qr '^[A-Za-z_][A-Za-z0-9_]*=' -- $tokens[1]
        string match -q 'ACCELCTL_ROOT=*' -- $tokens[1]; and set -a args --root (string replace ACCELCTL_ROOT= '' -- $tokens[1])
        set -e tokens[1]
    end
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case --root --parent
                set -l opt $tokens[$i]
                set i (math $i + 1)
                set -q tokens[$i]; and set -a args $opt $tokens[$i]
            case '--root=*' '--parent=*'
                set -a args (string split -m 1 = -- $tokens[$i])
        end
        set i (math $i + 1)
    end
    # ~/ is not expanded in the tokens.
    command $tokens[1] (string replace -r -- '^~/' "$HOME/" $args) 2>/dev/null
end

# True when the word being completed is argument $argv[1] (from 0) after the
# command, or a later one with "more": option values do not count.
function __accelctl_arg
    set -l n -1
    set -l skip 0
    for w in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '-*=*'
            case --root --color --parent --type -p -u --uuid --near-node --near-cpu --count --attr --driver --owner --vfs -t --jsonfile --device --del-attr --addattr --value -i --index -f --file -c --config -o --output --expiry --label --health --health-max-age --profile --iterations --timeout --format --expect --jobs
                set skip 1
            case '-*' '*=*'
            case '*'
                set n (math $n + 1)
        end
    end
    test $n -eq $argv[1]; or begin; set -q argv[2]; and test $n -gt $argv[1]; end
end

complete -c accelctl -f
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -s V -l version -d 'output the version number'
complete -c accelctl -l root -x -a '(__fish_complete_directories)' -d 'prefix for every system path (/sys, /dev, /etc, /proc); env ACCELCTL_ROOT'
complete -c accelctl -l json -d 'one JSON document on stdout'
complete -c accelctl -l color -x -a 'auto always never' -d 'color policy'
complete -c accelctl -l no-color -d 'same as --color never'
complete -c accelctl -s v -l verbose -d 'say each system write and ioctl on stderr'
complete -c accelctl -s q -l quiet -d 'errors only'
complete -c accelctl -l dry-run -d '(mutating commands) print the plan of writes, change nothing'
complete -c accelctl -l debug -d 'stack traces for errors'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a types -d 'mdev types per parent with availability'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a list -d 'partitions: live mdevs with type, IOMMU group, /dev/vfio node, NUMA node, holders'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a topology -d 'NUMA nodes, their CPUs and distances, and the accelerators near each'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a groups -d 'IOMMU groups, members, drivers, viability for VFIO'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a inspect -d 'the VFIO view: device flags, regions, irqs, capability chains, PCI capabilities, IOMMU info'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a create -d 'create mdev partitions'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a remove -d 'remove mdev partitions; refuses one a process holds open'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a bind -d 'hand a PCI function to a VFIO driver, remembering its previous driver'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a unbind -d 'give a PCI function back to its previous driver, forgetting a persisted binding'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a sriov -d 'set the number of SR-IOV virtual functions of a PF'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a define -d 'save a partition definition in mdevctl\'s format (/etc/mdevctl.d/<parent>/<uuid>)'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a undefine -d 'forget a partition definition; a running partition keeps running'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a start -d 'create a partition from its definition, or a transient one with --parent and --type'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a stop -d 'remove a running partition, keeping its definition; refuses one a process holds open'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a modify -d 'change a partition definition (takes effect at its next start)'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a apply -d 'make the host\'s partitions match a plan file: create what is missing, remove what is not listed'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a assert -d 'exit 0 when the host matches a plan file, 1 listing the differences'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a export -d 'print the current partitions and their definitions as a plan file'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a features -d 'write Node Feature Discovery labels: types\' availability, VFIO-ready devices per NUMA node, health'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a selftest -d 'exercise one device through VFIO: regions, DMA, interrupts, and a device-specific queue test'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a health -d 'quick self-test of every VFIO-usable device (or the ones named)'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a completion -d 'print a shell completion script'
complete -c accelctl -n 'not __fish_seen_subcommand_from types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema' -a schema -d 'print the JSON Schema of a command\'s --json output'
complete -c accelctl -n '__fish_seen_subcommand_from types' -l parent -x -a '(__accelctl_host parents)' -d 'only this parent device'
complete -c accelctl -n '__fish_seen_subcommand_from types' -l type -x -a '(__accelctl_host types)' -d 'only this type id'
complete -c accelctl -n '__fish_seen_subcommand_from list' -s p -l parent -x -a '(__accelctl_host parents)' -d 'only partitions of this parent'
complete -c accelctl -n '__fish_seen_subcommand_from list' -s u -l uuid -x -a '(__accelctl_host live-uuids)' -d 'only this partition'
complete -c accelctl -n '__fish_seen_subcommand_from list' -s d -l defined -d 'saved definitions (/etc/mdevctl.d), live or not, with their start mode (-v: and attributes)'
complete -c accelctl -n '__fish_seen_subcommand_from list' -l all -d 'live partitions and saved definitions'
complete -c accelctl -n '__fish_seen_subcommand_from list' -l dumpjson -d 'with --defined: the definitions in mdevctl\'s list --dumpjson format (with -u: one definition file\'s JSON)'
complete -c accelctl -n '__fish_seen_subcommand_from topology' -l near-node -x -d 'rank candidates by NUMA distance from this node'
complete -c accelctl -n '__fish_seen_subcommand_from topology' -l near-cpu -x -d 'rank candidates by NUMA distance from the node of this CPU'
complete -c accelctl -n '__fish_seen_subcommand_from topology' -l all -d 'every PCI function, not only accelerator-like ones'
complete -c accelctl -n '__fish_seen_subcommand_from groups; and __accelctl_arg 0' -a '(__accelctl_host groups)'
complete -c accelctl -n '__fish_seen_subcommand_from inspect; and __accelctl_arg 0' -a '(__accelctl_host devices)'
complete -c accelctl -n '__fish_seen_subcommand_from create' -l parent -x -a '(__accelctl_host parents)' -d 'parent device (accelctl types lists them)'
complete -c accelctl -n '__fish_seen_subcommand_from create' -l type -x -a '(__accelctl_host types)' -d 'mdev type id'
complete -c accelctl -n '__fish_seen_subcommand_from create' -l uuid -x -d 'UUID of the new partition (default: a random one)'
complete -c accelctl -n '__fish_seen_subcommand_from create' -l count -x -d 'create this many partitions, under one lock'
complete -c accelctl -n '__fish_seen_subcommand_from create' -l attr -x -d 'write an mdev attribute after creating (repeatable, in order)'
complete -c accelctl -n '__fish_seen_subcommand_from remove' -l force -d 'try even when a process holds it; give up waiting after ACCELCTL_REMOVE_TIMEOUT s (default 5)'
complete -c accelctl -n '__fish_seen_subcommand_from remove; and __accelctl_arg 0 more' -a '(__accelctl_host live-uuids)'
complete -c accelctl -n '__fish_seen_subcommand_from bind' -l driver -x -d 'the driver to bind to'
complete -c accelctl -n '__fish_seen_subcommand_from bind' -l owner -x -d 'give /dev/vfio/N to this user and group, mode 0660, so they can open the device'
complete -c accelctl -n '__fish_seen_subcommand_from bind' -l force -d 'take the device even while the host uses it (interface up, mounted)'
complete -c accelctl -n '__fish_seen_subcommand_from bind' -l group -d 'also bind the other members of its IOMMU group that keep host drivers'
complete -c accelctl -n '__fish_seen_subcommand_from bind' -l persist -d 'also save the binding (and --owner) in /etc/accelctl/bindings, so udev brings it back when the function is added again (a reboot)'
complete -c accelctl -n '__fish_seen_subcommand_from bind; and __accelctl_arg 0' -a '(__accelctl_host pci)'
complete -c accelctl -n '__fish_seen_subcommand_from unbind' -l driver -x -d 'bind to this driver instead of the remembered one'
complete -c accelctl -n '__fish_seen_subcommand_from unbind; and __accelctl_arg 0' -a '(__accelctl_host pci)'
complete -c accelctl -n '__fish_seen_subcommand_from sriov' -l vfs -x -d 'number of VFs (0 disables SR-IOV)'
complete -c accelctl -n '__fish_seen_subcommand_from sriov' -l autoprobe -d 'let host drivers probe new VFs (sriov_drivers_autoprobe 1)'
complete -c accelctl -n '__fish_seen_subcommand_from sriov' -l no-autoprobe -d 'leave new VFs driverless, e.g. for vfio-pci (sriov_drivers_autoprobe 0)'
complete -c accelctl -n '__fish_seen_subcommand_from sriov' -l force -d 'remove VFs even while the host uses them (interface up, mounted, swap, dm/md)'
complete -c accelctl -n '__fish_seen_subcommand_from sriov; and __accelctl_arg 0' -a '(__accelctl_host pci)'
complete -c accelctl -n '__fish_seen_subcommand_from define' -s p -l parent -x -a '(__accelctl_host parents)' -d 'parent device (may be absent now: a warning)'
complete -c accelctl -n '__fish_seen_subcommand_from define' -s t -l type -x -a '(__accelctl_host types)' -d 'mdev type id'
complete -c accelctl -n '__fish_seen_subcommand_from define' -s u -l uuid -x -a '(__accelctl_host live-uuids)' -d 'UUID (default: a random one); alone, defines a live partition as it is (it keeps running)'
complete -c accelctl -n '__fish_seen_subcommand_from define' -s a -l auto -d 'start it automatically when the parent appears (mdevctl start: auto)'
complete -c accelctl -n '__fish_seen_subcommand_from define' -l attr -x -d 'an mdev attribute written at start (repeatable, in order)'
complete -c accelctl -n '__fish_seen_subcommand_from define' -l jsonfile -r -F -d 'type, start mode and attributes from a definition file in mdevctl\'s JSON (list -d --dumpjson -u U prints one)'
complete -c accelctl -n '__fish_seen_subcommand_from undefine' -s u -l uuid -x -a '(__accelctl_host live-uuids)' -d 'partition UUID (as mdevctl undefine -u)'
complete -c accelctl -n '__fish_seen_subcommand_from undefine' -s p -l parent -x -a '(__accelctl_host parents)' -d 'only the definition under this parent'
complete -c accelctl -n '__fish_seen_subcommand_from undefine; and __accelctl_arg 0' -a '(__accelctl_host defined-uuids)'
complete -c accelctl -n '__fish_seen_subcommand_from start' -l auto -d 'start every definition marked auto (of --parent; without --parent or --device, also apply every persisted binding): for udev and the boot unit, so saved partitions and bindings return at boot'
complete -c accelctl -n '__fish_seen_subcommand_from start' -l device -x -a '(__accelctl_host pci)' -d 'with --auto: apply the persisted binding (bind --persist) of this PCI function instead: what the udev rule runs when it is added'
complete -c accelctl -n '__fish_seen_subcommand_from start' -s p -l parent -x -a '(__accelctl_host parents)' -d 'parent device (transient start, or to pick one definition)'
complete -c accelctl -n '__fish_seen_subcommand_from start' -s t -l type -x -a '(__accelctl_host types)' -d 'mdev type id (transient start)'
complete -c accelctl -n '__fish_seen_subcommand_from start' -s u -l uuid -x -d 'a defined partition, or the UUID of a transient one (default: a random one)'
complete -c accelctl -n '__fish_seen_subcommand_from start' -l attr -x -d 'an mdev attribute to write after creating (repeatable, in order)'
complete -c accelctl -n '__fish_seen_subcommand_from start; and __accelctl_arg 0' -a '(__accelctl_host defined-uuids)'
complete -c accelctl -n '__fish_seen_subcommand_from stop' -s u -l uuid -x -a '(__accelctl_host live-uuids)' -d 'partition UUID (as mdevctl stop -u)'
complete -c accelctl -n '__fish_seen_subcommand_from stop; and __accelctl_arg 0' -a '(__accelctl_host live-uuids)'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -s u -l uuid -x -a '(__accelctl_host live-uuids)' -d 'partition UUID (as mdevctl modify -u)'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -s p -l parent -x -a '(__accelctl_host parents)' -d 'the definition under this parent (when defined on several)'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -s t -l type -x -a '(__accelctl_host types)' -d 'new mdev type id'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -s a -l auto -d 'start automatically'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -s m -l manual -d 'start only when asked'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -l attr -x -d 'set an attribute (replaces one of that name, else appends; repeatable)'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -l del-attr -x -d 'drop the attribute of that name (repeatable)'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -l addattr -x -d 'insert an attribute (with --value) at --index, else at the end (as mdevctl)'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -l value -x -d 'the value of the --addattr attribute'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -l delattr -d 'drop the attribute at --index, else the last one (as mdevctl)'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -s i -l index -x -d 'position in the attribute list for --addattr or --delattr, from 0'
complete -c accelctl -n '__fish_seen_subcommand_from modify' -l jsonfile -r -F -d 'type, start mode and attributes from a file in mdevctl\'s JSON, replacing the definition\'s'
complete -c accelctl -n '__fish_seen_subcommand_from modify; and __accelctl_arg 0' -a '(__accelctl_host defined-uuids)'
complete -c accelctl -n '__fish_seen_subcommand_from apply' -s f -l file -r -F -d 'plan file (YAML or JSON)'
complete -c accelctl -n '__fish_seen_subcommand_from apply' -s c -l config -x -d 'which named config (default: "default", or the only one)'
complete -c accelctl -n '__fish_seen_subcommand_from assert' -s f -l file -r -F -d 'plan file (YAML or JSON)'
complete -c accelctl -n '__fish_seen_subcommand_from assert' -s c -l config -x -d 'which named config (default: "default", or the only one)'
complete -c accelctl -n '__fish_seen_subcommand_from export' -s o -l output -x -a 'yaml json' -d 'plan file format'
complete -c accelctl -n '__fish_seen_subcommand_from export' -s c -l config -x -d 'name of the config in the file'
complete -c accelctl -n '__fish_seen_subcommand_from export' -l counts -d 'how many partitions of each kind instead of their UUIDs (a plan for other hosts)'
complete -c accelctl -n '__fish_seen_subcommand_from features' -l output -r -F -d 'the feature file, or - for stdout (default: /etc/kubernetes/node-feature-discovery/features.d/accelctl under --root)'
complete -c accelctl -n '__fish_seen_subcommand_from features' -l expiry -x -d 'labels expire this long after the write, e.g. 10m, 1h, 2d; 0 for never (default 1h)'
complete -c accelctl -n '__fish_seen_subcommand_from features' -l label -x -d 'one more label (accelctl.io/ is added to a key without a prefix)'
complete -c accelctl -n '__fish_seen_subcommand_from features' -l health -r -F -d 'health labels from the last health report there (health --format json --output FILE)'
complete -c accelctl -n '__fish_seen_subcommand_from features' -l health-max-age -x -d 'with --health: an older report is labelled stale (default 1d)'
complete -c accelctl -n '__fish_seen_subcommand_from selftest' -l profile -x -a 'auto generic mtty edu' -d 'which checks to run'
complete -c accelctl -n '__fish_seen_subcommand_from selftest' -l iterations -x -d 'work items per queue test (default: per profile)'
complete -c accelctl -n '__fish_seen_subcommand_from selftest' -l timeout -x -d 'how long each wait for the device may take: 30s, 2m, 500ms, or seconds (default 10s)'
complete -c accelctl -n '__fish_seen_subcommand_from selftest' -l format -x -a 'text json junit' -d 'report format (--json = json)'
complete -c accelctl -n '__fish_seen_subcommand_from selftest; and __accelctl_arg 0' -a '(__accelctl_host devices)'
complete -c accelctl -n '__fish_seen_subcommand_from health' -l format -x -a 'text json junit prometheus' -d 'report format (--json = json)'
complete -c accelctl -n '__fish_seen_subcommand_from health' -l output -r -F -d 'write the report to this file instead of stdout'
complete -c accelctl -n '__fish_seen_subcommand_from health' -l allow-none -d 'finding no device is a pass (by default it is exit 1)'
complete -c accelctl -n '__fish_seen_subcommand_from health' -l expect -x -d 'exactly this many devices: fewer or more is exit 1'
complete -c accelctl -n '__fish_seen_subcommand_from health' -l jobs -x -d 'self-tests run at a time, one per IOMMU group (default: one per CPU, at most 4; 1: one after another)'
complete -c accelctl -n '__fish_seen_subcommand_from health' -l timeout -x -d 'how long each wait for a device may take: 30s, 2m, 500ms, or seconds (default 10s)'
complete -c accelctl -n '__fish_seen_subcommand_from health; and __accelctl_arg 0 more' -a '(__accelctl_host devices)'
complete -c accelctl -n '__fish_seen_subcommand_from completion; and __accelctl_arg 0' -a 'bash zsh fish'
