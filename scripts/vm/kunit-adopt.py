#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kunit-adopt.py TREE BUILD_DIR ARCH KUNITCONFIG...

Hand kunit.py a build directory that kbuild.sh configured and built: if
its .config holds every option that kunit.py would ask for (the
kunitconfigs merged with kunit.py's configuration for ARCH), record them
as kunit.py's last used kunitconfig there, as kunit.py itself does after
configuring, so that 'kunit.py run --build_dir=BUILD_DIR' with the same
kunitconfigs keeps the .config and builds nothing again.  Otherwise name
the options that are missing and exit 1.  kunit.py's own code computes
the options, from TREE/tools/testing/kunit.
"""
import os
import sys


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__.strip().splitlines()[0])
    tree, build_dir, arch = sys.argv[1:4]
    kunitconfigs = sys.argv[4:]
    build_dir = os.path.abspath(build_dir)
    os.chdir(tree)
    sys.path.insert(0, os.path.join(tree, 'tools', 'testing', 'kunit'))
    import kunit_config
    import kunit_kernel

    src = kunit_kernel.LinuxSourceTree(build_dir, kunitconfig_paths=kunitconfigs,
                                       arch=arch)
    # What build_config() and build_reconfig() compare with.
    wanted = src._ops.make_arch_config(src._kconfig)
    have = kunit_config.parse_file(kunit_kernel.get_kconfig_path(build_dir))
    if not wanted.is_subset_of(have):
        have_entries = {e.name: e.value for e in have.as_entries()}
        missing = sorted(str(e) for e in wanted.as_entries()
                         if have_entries.get(e.name, 'n') != e.value)
        sys.exit('the .config in %s lacks: %s' % (build_dir, ' '.join(missing)))
    path = kunit_kernel.get_old_kunitconfig_path(build_dir)
    if os.path.exists(path):
        os.remove(path)
    wanted.write_to_file(path)


if __name__ == '__main__':
    main()
