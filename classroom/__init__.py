"""Serving the dashboards to a classroom: Voila with a kernel cap, a token and a preheated pool.

``make classroom`` runs ``python -m classroom dashboards/``; see README.md, "A classroom".
"""

from .app import ClassroomVoila, ClassroomVoilaHandler, class_full_page
from .seats import ClassroomKernelManager

__all__ = ["ClassroomKernelManager", "ClassroomVoila", "ClassroomVoilaHandler", "class_full_page"]
