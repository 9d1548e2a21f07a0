"""The domain core: pure Python, no Flask, no ORM."""
