//! Every capacity of the message types, in one place.
//!
//! OCPP 1.6 lets a charge point declare its own limits in read-only configuration keys
//! (`GetConfigurationMaxKeys`, `SendLocalListMaxLength`, `ChargingScheduleMaxPeriods`, ...). These
//! constants are the most this crate's owned message types can hold; a charge point declares
//! values at most these. Input beyond a bound is refused with the spec's answer
//! (`OccurenceConstraintViolation` for too many list items, `PropertyConstraintViolation` for a
//! string that is too long), never truncated silently and never allocated.
//!
//! Where the spec itself gives a bound (the `CiStringN` types, the security extension's
//! `maxLength`s), the type uses exactly that bound. Where the spec leaves a field unbounded, the
//! bound below is a choice, justified next to it.

/// Keys in one GetConfiguration.req and one GetConfiguration.conf (`GetConfigurationMaxKeys`).
/// 1.6 chapter 9 defines 43 standard keys, its errata 3 more and the security extension 6 more;
/// 64 leaves room for 12 vendor keys (`charge_point::config::MAX_VENDOR_KEYS`), so that every key
/// fits one GetConfiguration.conf.
pub const MAX_CONFIGURATION_KEYS: usize = 64;

/// Bytes of RAM for the names and values of the vendor configuration keys together
/// (`charge_point::config`, at most `MAX_VENDOR_KEYS` of them), plus 4 bytes a key. A name may
/// have 50 bytes and a value 500 (what GetConfiguration reports, §9), but a vendor key is
/// typically a name of 20 and a value of 10: 1,024 bytes hold the 12 keys at about 80 bytes
/// each, or one value of 500 beside a few short ones. Slots of the largest size took 6.7 KB.
/// A key or value that does not fit is refused (`ConfigError::VendorKeysFull`; ChangeConfiguration
/// answers Rejected).
pub const VENDOR_KEY_BYTES: usize = 1024;

/// Entries in one SendLocalList.req (`SendLocalListMaxLength`). Larger lists arrive as several
/// differential updates.
pub const SEND_LOCAL_LIST_MAX_LENGTH: usize = 64;

/// Identifications in the Local Authorization List (`LocalAuthListMaxLength`, §9.2.2). A Full
/// update larger than one SendLocalList.req arrives as a Full then Differential updates. Each
/// entry costs about 60 bytes of RAM in the charge point.
pub const LOCAL_AUTH_LIST_MAX_LENGTH: usize = 128;

/// Periods in one charging schedule (`ChargingScheduleMaxPeriods`): 48 covers a day in half hours.
pub const CHARGING_SCHEDULE_MAX_PERIODS: usize = 48;

/// Highest charging profile `stackLevel` (`ChargeProfileMaxStackLevel`).
pub const CHARGE_PROFILE_MAX_STACK_LEVEL: usize = 8;

/// Charging profiles installed at a time (`MaxChargingProfilesInstalled`): a ChargePointMaxProfile,
/// a TxDefaultProfile and a TxProfile per connector of a two-connector charger, with room to
/// spare.
pub const MAX_CHARGING_PROFILES_INSTALLED: usize = 8;

/// Charging schedule periods of all installed profiles together (12 bytes each in RAM): a
/// profile may have [`CHARGING_SCHEDULE_MAX_PERIODS`], the installed ones share this many.
/// 128 hold a TxDefaultProfile and a TxProfile of 48 periods each beside a ChargePointMaxProfile
/// of 32, or all [`MAX_CHARGING_PROFILES_INSTALLED`] profiles at 16 periods; 8 profiles of 48
/// (384 periods, 6 KB) is what no central system sends. A SetChargingProfile.req that would
/// need more is Rejected (§5.16).
pub const PROFILE_PERIODS_POOL: usize = 128;

/// `meterValue` elements in one MeterValues.req, and `transactionData` elements in one
/// StopTransaction.req.
pub const MAX_METER_VALUES: usize = 8;

/// `sampledValue` elements in one `meterValue`: energy, power, current and voltage on three phases,
/// SoC, temperature and a few more.
pub const MAX_SAMPLED_VALUES: usize = 20;

/// Measurands in one measurand CSL configuration key (`MeterValuesSampledDataMaxLength`,
/// `MeterValuesAlignedDataMaxLength`, `StopTxnSampledDataMaxLength`,
/// `StopTxnAlignedDataMaxLength`): energy, power, current, voltage, SoC, temperature and the two
/// offered values. With a value per phase for current and voltage that stays within
/// [`MAX_SAMPLED_VALUES`].
pub const MAX_MEASURANDS: usize = 8;

/// Length of one `sampledValue.value`. The spec leaves it unbounded; plain readings need a dozen
/// characters, 128 leaves room for short signed values.
pub const SAMPLED_VALUE_MAX_LEN: usize = 128;

/// Length of DataTransfer `data` (unbounded in the spec).
pub const DATA_TRANSFER_DATA_MAX_LEN: usize = 1024;

/// Length of a URL (`anyURI`: firmware and diagnostics locations; unbounded in the spec). Signed
/// download URLs with query strings run to several hundred characters.
pub const URI_MAX_LEN: usize = 1024;

/// Certificates in one GetInstalledCertificateIds.conf.
pub const MAX_INSTALLED_CERTIFICATES: usize = 8;

/// PEM certificate (InstallCertificate, SignedUpdateFirmware): the security extension's maxLength.
pub const CERTIFICATE_MAX_LEN: usize = 5500;

/// PEM certificate chain (CertificateSigned): the security extension's maxLength.
pub const CERTIFICATE_CHAIN_MAX_LEN: usize = 10_000;

/// PEM certificate signing request (SignCertificate): the security extension's maxLength.
pub const CSR_MAX_LEN: usize = 5500;

/// Base64 firmware signature (SignedUpdateFirmware): the security extension's maxLength.
pub const SIGNATURE_MAX_LEN: usize = 800;

/// Connectors a charge point may have (connector 0, the charge point itself, comes on top).
/// Every per-connector table of the charge point is this long: 4 covers AC posts and DC chargers
/// alike; raise it for larger dispensers.
pub const MAX_CONNECTORS: usize = 4;

/// Bytes of RAM for the transaction-related messages kept while the central system is
/// unreachable, held encoded (`charge_point::journal::TxQueue`). Each message takes 3 bytes plus
/// its encoding: a StartTransaction about 40 bytes (at most 55), a StopTransaction about 40 (at
/// most 51), a MeterValues about 55 with 7 measurands (at most 177 with all 15 readings at their
/// widest). 2,048 bytes hold some 37 to 50 StartTransactions and StopTransactions (at least 37,
/// where the former fixed queue held 32 messages of any kind), or about 37 periodic samples of 7
/// measurands. When full, the oldest queued MeterValues make room; StartTransaction and
/// StopTransaction are never dropped, and a transaction starts only when its StartTransaction
/// and StopTransaction, and the StopTransactions of the running ones, are sure to fit.
pub const JOURNAL_QUEUE_BYTES: usize = 2048;

/// Bytes of a security event's `techInfo` kept in the queue (SecurityEventNotification.req
/// allows 255): an adapter's one-line description of a TLS failure fits; a longer text is cut at
/// a character boundary. Kept short because the event waits in the journal queue, beside the
/// transaction-related messages.
pub const TECH_INFO_MAX: usize = 64;

/// Bytes of RAM for the journal's changes between two flushes (the records appended to the
/// stored log at the next `poll_output`: a sample is about 60 bytes). When they do not fit (a
/// StopTransaction whose `transactionData` is large, with other changes) the journal is written
/// as a whole snapshot instead: nothing is lost, one larger write is made.
pub const JOURNAL_PENDING_BYTES: usize = 512;

/// Intermediate meter samples kept for one StopTransaction's `transactionData`, besides
/// Transaction.Begin and Transaction.End (older ones are thinned out evenly).
pub const STOP_TRANSACTION_MAX_SAMPLES: usize = 2;

/// Stopped transactions whose `transactionData` waits in the journal for delivery. When more
/// StopTransactions are queued (a long time offline), the oldest lose their `transactionData`
/// (the StopTransaction itself is kept).
pub const STOP_DATA_SLOTS: usize = 8;

/// Bytes of RAM for the `transactionData` of queued StopTransactions (at most
/// [`STOP_DATA_SLOTS`] of them), held encoded: about 75 bytes for a transaction reporting its
/// energy register only (Begin, 2 samples, End), about 170 with 3-phase current and voltage,
/// power and SoC, at most 660 with every reading at its widest. When full, the oldest lose their
/// `transactionData` (the StopTransaction itself is kept).
pub const JOURNAL_STOP_DATA_BYTES: usize = 2048;

/// The largest journal record, in bytes: the stored log (snapshot plus appended records) is
/// compacted before it grows beyond this or beyond the caller's buffer, whichever is smaller, so
/// a scratch buffer of this size always restores it.
pub const JOURNAL_RECORD_MAX: usize = 16 * 1024;

/// Requests other than transaction-related ones waiting to be sent (StatusNotification,
/// Authorize, Heartbeat, ...). They live in RAM only, as the spec allows (§3.7).
pub const MAX_PENDING_REQUESTS: usize = 16;

/// Bytes of RAM for those requests, held encoded (`charge_point::requests`): a
/// StatusNotification takes about 12 bytes (up to ~120 with `info` and `vendorErrorCode`), an
/// Authorize up to 25, a clock-aligned MeterValues about 60 with 7 measurands (up to ~175), so
/// 1,024 bytes hold [`MAX_PENDING_REQUESTS`] of them unless most are of the largest kind (16
/// decoded slots took 4,360 bytes). Only MeterValues outside a transaction can accumulate (a
/// connector's StatusNotification replaces its previous one; every other kind together stays
/// under 900 bytes), so when the bytes run out the oldest queued MeterValues make room for any
/// other request, and a MeterValues that does not fit is refused like the 17th request.
pub const REQUEST_QUEUE_BYTES: usize = 1024;

/// Entries of the authorization cache (§3.5.1).
pub const AUTH_CACHE_SIZE: usize = 32;

// ---------------------------------------------------------------------------------------------
// OCPP 2.0.1 (crate::v201)
//
// The 2.0.1 schemas bound every string (`maxLength`, used as is) but leave most lists unbounded.
// A charging station declares most of these capacities in its device model
// (`ItemsPerMessageGetVariables`, `ItemsPerMessageSendLocalList`, `PeriodsPerSchedule`, ...), and
// the CSMS must not send more; these are the most the owned message types hold. scripts/gen-v201.py
// names the constant of each list (its LIST_BOUNDS table) and stops at a list it has no bound
// for. The 1.6 constants above are reused where the meaning is the same.

/// `IdToken.additionalInfo` entries (unbounded in the schema): 2 carry, say, a contract id and an
/// ISO 15118 certificate reference beside the token itself. Every IdToken (TransactionEvent,
/// Authorize, each local list entry) holds this many, about 90 bytes each.
pub const ADDITIONAL_INFOS: usize = 2;

/// EVSEs of a charging station, for the `evseId` list of `IdTokenInfo` (the EVSEs an idToken is
/// allowed on; unbounded in the schema): as [`MAX_CONNECTORS`], 4 covers AC posts and DC chargers.
pub const MAX_EVSES: usize = 4;

/// Monitors in one SetVariableMonitoring.req or ClearVariableMonitoring.req, and results in their
/// responses (`ItemsPerMessageSetVariableMonitoring`, `ItemsPerMessageClearVariableMonitoring`).
pub const MONITORS_PER_MESSAGE: usize = 16;

/// Monitors of one variable in a NotifyMonitoringReport.req item: a lower and an upper threshold,
/// a delta and a periodic one.
pub const MONITORS_PER_VARIABLE: usize = 4;

/// Items (`monitor`) of one NotifyMonitoringReport.req; a longer report is sent in several
/// messages (`seqNo`, `tbc`).
pub const MONITORING_REPORT_ITEMS: usize = 8;

/// Entries of one sales tariff (ISO 15118 SalesTariff; the schema allows 1,024): a day of
/// 3-hour price blocks. About 200 bytes each, in each of the profile's schedules.
pub const SALES_TARIFF_ENTRIES: usize = 8;

/// Charging schedules of one ChargingProfile (the schema's maxItems: 3, the ISO 15118 case where
/// the EV chooses among offered schedules) and of one NotifyChargingLimit.req (unbounded there).
pub const CHARGING_SCHEDULES_PER_PROFILE: usize = 3;

/// Display messages in one GetDisplayMessages.req (`id`) or NotifyDisplayMessages.req
/// (`NumberOfDisplayMessages`); a message holds up to 512 characters of text.
pub const DISPLAY_MESSAGES: usize = 8;

/// `certificateType` entries of a GetInstalledCertificateIds.req: there are 5 certificate uses
/// (`GetCertificateIdUseEnum`), so 5 name each at most once.
pub const CERTIFICATE_ID_USES: usize = 5;

/// Component-variable criteria in one GetReport.req or GetMonitoringReport.req (about 220
/// bytes each).
pub const COMPONENT_VARIABLES_PER_MESSAGE: usize = 16;

/// Variables in one GetVariables.req or SetVariables.req, and results in their responses
/// (`ItemsPerMessageGetVariables`, `ItemsPerMessageSetVariables`). Each value may have 2,500
/// characters (the schema's `attributeValue`), so 8 results take about 22 kB.
pub const VARIABLES_PER_MESSAGE: usize = 8;

/// `meterValue` elements in one MeterValues.req or TransactionEvent.req. A TransactionEvent
/// carries one sample in an update and the `SampledDataTxEndedMeasurands` in its Ended event;
/// a charging station sends long series as several messages.
pub const METER_VALUES_PER_MESSAGE: usize = 4;

/// `sampledValue` elements in one `meterValue`: as for 1.6, [`MAX_SAMPLED_VALUES`].
pub const SAMPLED_VALUES_PER_METER_VALUE: usize = MAX_SAMPLED_VALUES;

/// `SignedMeterValue.signedMeterData` (the schema allows 2,500): a base64 OCMF or EDL record of
/// one reading takes 600 to 900 characters. Every sampled value has room for one, so the bound
/// multiplies by [`METER_VALUES_PER_MESSAGE`] × [`SAMPLED_VALUES_PER_METER_VALUE`].
pub const SIGNED_METER_DATA_MAX_LEN: usize = 1024;

/// `SignedMeterValue.publicKey` (the schema allows 2,500): a base64 P-256 or P-384 public key
/// takes 124 or 160 characters, and `PublicKeyWithSignedMeterValue` lets a charging station send
/// it once per transaction.
pub const METER_PUBLIC_KEY_MAX_LEN: usize = 256;

/// Events in one NotifyEvent.req (each with up to 2,500 characters of `actualValue` and 500 of
/// `techInfo`); more events go in further messages (`seqNo`, `tbc`).
pub const EVENTS_PER_MESSAGE: usize = 4;

/// Items (`reportData`) of one NotifyReport.req (`ItemsPerMessageGetReport`): each holds up to
/// 4 attributes of 2,500 characters, about 11 kB; a report is split over several messages
/// (`seqNo`, `tbc`).
pub const REPORT_ITEMS_PER_MESSAGE: usize = 4;

/// Download locations in one PublishFirmwareStatusNotification.req (URIs of 512 characters).
pub const PUBLISH_LOCATIONS: usize = 4;

/// Entries of one SendLocalList.req (`ItemsPerMessageSendLocalList`): a 2.0.1 entry (IdToken and
/// IdTokenInfo with its personal message) takes about 1.3 kB, so fewer than 1.6's
/// [`SEND_LOCAL_LIST_MAX_LENGTH`] fit a message; larger lists arrive as several updates.
pub const LOCAL_LIST_ENTRIES_PER_MESSAGE: usize = 16;
