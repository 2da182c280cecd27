#!/usr/bin/python3
"""Extracts what virt-install 4.1 needs from the installed osinfo-db (Debian 12: 0.20221130) into
src/sim/tools/guestfs/osinfo.json: `virt-install --osinfo list` and, per OS short id, its name, minimum RAM and
recommended storage and vCPUs (the figures behind virt-install's memory warning and its default --memory,
--disk size and vCPUs), and the virtio devices it supports.
Usage: /usr/bin/python3 scripts/extract-osinfo.py (the system python, which has the gi bindings)"""
import json, os, subprocess, sys
sys.path.insert(0, "/usr/share/virt-manager")
from virtinst import OSDB  # noqa: E402

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
listing = subprocess.run(["virt-install", "--osinfo", "list"], capture_output=True, text=True).stdout
oses = {}
for line in listing.splitlines():
    for short in [s.strip() for s in line.split(",")]:
        o = OSDB.lookup_os(short)
        if o is None:
            continue
        res = o.get_recommended_resources()
        oses[short] = {
            "name": o.name,
            "id": o.full_id,
            "minRamMiB": (res.get_minimum_ram("x86_64") or 0) // (1024 * 1024),
            "recRamMiB": (res.get_recommended_ram("x86_64") or 0) // (1024 * 1024),
            "recStorageGiB": (res.get_recommended_storage("x86_64") or 0) // (1024 ** 3),
            "recCpus": res.get_recommended_ncpus("x86_64") or 0,
            "distro": o.distro,
            "windows": o.is_windows(),
            "virtio": o.supports_virtiodisk(),
            "q35": o.supports_chipset_q35(),
            "usb3": o.supports_usb3(),
            "agent": o.supports_virtioserial(),
            "rng": o.supports_virtiorng(),
            "virtioGpu": o.supports_virtiogpu(),
            "balloon": o.supports_virtioballoon(),
        }
json.dump({"listing": listing, "oses": oses}, open(os.path.join(root, "src/sim/tools/guestfs/osinfo.json"), "w"), separators=(",", ":"))
print(len(oses), "OS entries")
