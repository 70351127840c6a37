"""Claims from the literature beyond the article (Glorot 2010, He 2015, Saxe 2013, ...)."""

from __future__ import annotations

from winit.claims import Claim, register
