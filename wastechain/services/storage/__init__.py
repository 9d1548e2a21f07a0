"""Storage (产生 + 贮存): batches, containers (小箱进大箱), what each site holds, the ledger (台账)."""
