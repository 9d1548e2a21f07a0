"""Public tip-offs (有奖举报): filed and followed by the public (public.py), handled by regulators (desk.py), their
photos kept as files outside the database (photos.py)."""
from wastechain.services.tipoffs.desk import upheld_tipoffs  # noqa: F401  (the credit record counts these)
