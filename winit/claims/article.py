"""Claims of the source article (``shared/source/weight-initialization-article.txt``)."""

from __future__ import annotations

from winit.claims import Claim, register

ARTICLE = "Weight initialization article (shared/source/weight-initialization-article.txt)"
