"""Referrals (R-REF-1..4): a referred client's referral, submitted, triaged and resubmitted."""
