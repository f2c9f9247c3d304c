# Each module-level list is a group; a host may carry its own data.
# The demo fills in the test hosts' roots (see scripts/demo); any target works here:
# "@local", "@chroot/PATH", and SSH host names once the SSH connector is in.
import os

web = [
    (target, {"app_port": 8000 + i})
    for i, target in enumerate(os.environ.get("CORRAL_DEMO_TARGETS", "@local").split(","))
]
