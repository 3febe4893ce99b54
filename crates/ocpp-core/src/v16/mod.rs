//! OCPP 1.6 messages.
