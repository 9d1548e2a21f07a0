"""Accounts and the register: users and tokens, organizations, sites, permits, vehicles, approvals."""
