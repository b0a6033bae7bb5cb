"""``python -m classroom DIRECTORY [voila options]``: Voila for a classroom."""

from .app import ClassroomVoila

if __name__ == "__main__":
    ClassroomVoila.launch_instance()
