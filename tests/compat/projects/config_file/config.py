# read before the inventory and the deploy: every operation goes through sudo
from pyinfra import config

config.SUDO = True
