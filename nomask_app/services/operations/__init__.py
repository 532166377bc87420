"""Operations: audit trail, metrics, rate limits, admin, email delivery."""
