from pyinfra.api.facts import FactBase


class DefaultsValue(FactBase):
    """The value of KEY in a KEY=value file such as /etc/default/*, None if unset."""

    def command(self, path, key):
        self.key = key  # process() reads it back: one fact instance serves both
        return f"grep -E '^{key}=' {path} || true"

    def process(self, output):
        for line in output:
            if line.startswith(self.key + "="):
                return line.split("=", 1)[1]
        return None


class KernelName(FactBase):
    requires_command = "uname"

    def command(self):
        return "uname -s"

    def process(self, output):
        return output[0].strip()
