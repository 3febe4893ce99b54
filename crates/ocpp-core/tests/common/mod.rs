//! Realistic examples of every OCPP 1.6 action (request and response), shared by the round-trip
//! and schema tests. Several actions have more than one example, to cover optional fields both
//! present and absent.
#![allow(dead_code, clippy::unwrap_used, clippy::too_many_lines)]

use ocpp_core::types::{BoundedString, DateTime, Decimal, List};
use ocpp_core::v16::*;

pub fn s<const N: usize>(v: &str) -> BoundedString<N> {
    BoundedString::try_from(v).unwrap()
}

pub fn t(v: &str) -> DateTime {
    DateTime::parse(v).unwrap()
}

fn sv(
    value: &str,
    measurand: Measurand,
    phase: Option<Phase>,
    unit: UnitOfMeasure,
) -> SampledValue {
    SampledValue {
        value: s(value),
        context: Some(ReadingContext::SamplePeriodic),
        format: Some(ValueFormat::Raw),
        measurand: Some(measurand),
        phase,
        location: Some(Location::Outlet),
        unit: Some(unit),
    }
}

pub fn meter_value_10() -> MeterValue {
    let mut v = List::new();
    for x in [
        sv(
            "12345.6",
            Measurand::EnergyActiveImportRegister,
            None,
            UnitOfMeasure::Wh,
        ),
        sv("7360", Measurand::PowerActiveImport, None, UnitOfMeasure::W),
        sv(
            "16.0",
            Measurand::CurrentImport,
            Some(Phase::L1),
            UnitOfMeasure::A,
        ),
        sv(
            "16.1",
            Measurand::CurrentImport,
            Some(Phase::L2),
            UnitOfMeasure::A,
        ),
        sv(
            "15.9",
            Measurand::CurrentImport,
            Some(Phase::L3),
            UnitOfMeasure::A,
        ),
        sv(
            "230.1",
            Measurand::Voltage,
            Some(Phase::L1N),
            UnitOfMeasure::V,
        ),
        sv(
            "229.8",
            Measurand::Voltage,
            Some(Phase::L2N),
            UnitOfMeasure::V,
        ),
        sv(
            "231.0",
            Measurand::Voltage,
            Some(Phase::L3N),
            UnitOfMeasure::V,
        ),
        sv("11000", Measurand::PowerOffered, None, UnitOfMeasure::W),
        sv("54", Measurand::SoC, None, UnitOfMeasure::Percent),
    ] {
        v.push(x).unwrap();
    }
    MeterValue {
        timestamp: t("2024-05-01T12:00:15.250Z"),
        sampled_value: v,
    }
}

pub fn schedule(periods: usize, unit: ChargingRateUnit) -> ChargingSchedule {
    let mut p = List::new();
    for i in 0..periods {
        p.push(ChargingSchedulePeriod {
            start_period: (i * 3600) as i32,
            limit: Decimal::from_tenths(60 + (i as i32 % 10) * 11),
            number_phases: if i % 2 == 0 { Some(3) } else { None },
        })
        .unwrap();
    }
    ChargingSchedule {
        duration: Some((periods * 3600) as i32),
        start_schedule: Some(t("2024-05-01T00:00:00Z")),
        charging_rate_unit: unit,
        charging_schedule_period: p,
        min_charging_rate: Some(Decimal::from_tenths(60)),
    }
}

pub fn profile(periods: usize) -> ChargingProfile {
    ChargingProfile {
        charging_profile_id: 12,
        transaction_id: None,
        stack_level: 1,
        charging_profile_purpose: ChargingProfilePurpose::TxDefaultProfile,
        charging_profile_kind: ChargingProfileKind::Absolute,
        recurrency_kind: None,
        valid_from: Some(t("2024-05-01T00:00:00Z")),
        valid_to: Some(t("2024-06-01T00:00:00Z")),
        charging_schedule: schedule(periods, ChargingRateUnit::A),
    }
}

pub fn get_configuration_conf(keys: usize) -> GetConfigurationResponse {
    let mut list = List::new();
    for i in 0..keys {
        list.push(KeyValue {
            key: s(&format!("VendorKey{i:02}")),
            readonly: i % 3 == 0,
            value: if i % 5 == 4 {
                None
            } else {
                Some(s(&format!("value-{i}")))
            },
        })
        .unwrap();
    }
    GetConfigurationResponse {
        configuration_key: Some(list),
        unknown_key: Some(List::try_from_iter([s("NoSuchKey")]).unwrap()),
    }
}

fn hash_data() -> CertificateHashData {
    CertificateHashData {
        hash_algorithm: HashAlgorithm::Sha256,
        issuer_name_hash: s("e4f6a7c9b1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6"),
        issuer_key_hash: s("0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        serial_number: s("3f2a9c01"),
    }
}

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUP+pXkFh0Kx1yYw==\n-----END CERTIFICATE-----\n";

/// (request, response) pairs; every action appears at least once.
pub fn examples() -> Vec<(Request, Response)> {
    let id_tag_info = IdTagInfo {
        expiry_date: Some(t("2024-12-31T23:59:59Z")),
        parent_id_tag: Some(s("FLEET-7")),
        status: AuthorizationStatus::Accepted,
    };
    vec![
        (
            AuthorizeRequest { id_tag: s("04A2B3C4D5E6F7") }.into(),
            AuthorizeResponse { id_tag_info: id_tag_info.clone() }.into(),
        ),
        (
            AuthorizeRequest { id_tag: s("DEADBEEF") }.into(),
            AuthorizeResponse { id_tag_info: IdTagInfo::with_status(AuthorizationStatus::Blocked) }.into(),
        ),
        (
            BootNotificationRequest {
                charge_box_serial_number: None,
                charge_point_model: s("Wallbox-22"),
                charge_point_serial_number: Some(s("SN-000123")),
                charge_point_vendor: s("ExampleVendor"),
                firmware_version: Some(s("1.4.2+build.77")),
                iccid: Some(s("8944500102198304826")),
                imsi: Some(s("234150999999999")),
                meter_serial_number: Some(s("MTR-99812")),
                meter_type: Some(s("DZG DVH4013")),
            }
            .into(),
            BootNotificationResponse {
                current_time: t("2013-02-01T20:53:32.486Z"),
                interval: 300,
                status: RegistrationStatus::Accepted,
            }
            .into(),
        ),
        (
            BootNotificationRequest {
                charge_box_serial_number: Some(s("CB-1")),
                charge_point_model: s("M"),
                charge_point_serial_number: None,
                charge_point_vendor: s("V"),
                firmware_version: None,
                iccid: None,
                imsi: None,
                meter_serial_number: None,
                meter_type: None,
            }
            .into(),
            BootNotificationResponse { current_time: t("2024-05-01T12:00:00Z"), interval: 60, status: RegistrationStatus::Pending }
                .into(),
        ),
        (
            ChangeAvailabilityRequest { connector_id: 1, kind: AvailabilityType::Inoperative }.into(),
            ChangeAvailabilityResponse { status: AvailabilityStatus::Scheduled }.into(),
        ),
        (
            ChangeConfigurationRequest { key: s("HeartbeatInterval"), value: s("900") }.into(),
            ChangeConfigurationResponse { status: ConfigurationStatus::RebootRequired }.into(),
        ),
        (ClearCacheRequest {}.into(), ClearCacheResponse { status: ClearCacheStatus::Accepted }.into()),
        (
            DataTransferRequest {
                vendor_id: s("com.example.charger"),
                message_id: Some(s("SetTariffText")),
                data: Some(s("{\"text\":\"0,39 €/kWh\"}\n\ttab")),
            }
            .into(),
            DataTransferResponse { status: DataTransferStatus::Accepted, data: Some(s("ok")) }.into(),
        ),
        (
            DataTransferRequest { vendor_id: s("org.unknown"), message_id: None, data: None }.into(),
            DataTransferResponse { status: DataTransferStatus::UnknownVendorId, data: None }.into(),
        ),
        (
            GetConfigurationRequest {
                key: Some(List::try_from_iter([s("HeartbeatInterval"), s("MeterValueSampleInterval")]).unwrap()),
            }
            .into(),
            get_configuration_conf(4).into(),
        ),
        (GetConfigurationRequest { key: None }.into(), GetConfigurationResponse::default().into()),
        (HeartbeatRequest {}.into(), HeartbeatResponse { current_time: t("2024-05-01T12:00:00.001Z") }.into()),
        (
            MeterValuesRequest {
                connector_id: 1,
                transaction_id: Some(42),
                meter_value: List::try_from_iter([meter_value_10()]).unwrap(),
            }
            .into(),
            MeterValuesResponse {}.into(),
        ),
        (
            MeterValuesRequest {
                connector_id: 0,
                transaction_id: None,
                meter_value: List::try_from_iter([MeterValue {
                    timestamp: t("2024-05-01T12:15:00Z"),
                    sampled_value: List::try_from_iter([SampledValue {
                        value: s("98765"),
                        context: None,
                        format: None,
                        measurand: None,
                        phase: None,
                        location: None,
                        unit: None,
                    }])
                    .unwrap(),
                }])
                .unwrap(),
            }
            .into(),
            MeterValuesResponse {}.into(),
        ),
        (
            RemoteStartTransactionRequest {
                connector_id: Some(2),
                id_tag: s("APP-USER-19"),
                charging_profile: Some(ChargingProfile {
                    charging_profile_id: 7,
                    transaction_id: None,
                    stack_level: 0,
                    charging_profile_purpose: ChargingProfilePurpose::TxProfile,
                    charging_profile_kind: ChargingProfileKind::Relative,
                    recurrency_kind: None,
                    valid_from: None,
                    valid_to: None,
                    charging_schedule: ChargingSchedule {
                        duration: None,
                        start_schedule: None,
                        charging_rate_unit: ChargingRateUnit::W,
                        charging_schedule_period: List::try_from_iter([ChargingSchedulePeriod {
                            start_period: 0,
                            limit: Decimal::from_tenths(110_000),
                            number_phases: None,
                        }])
                        .unwrap(),
                        min_charging_rate: None,
                    },
                }),
            }
            .into(),
            RemoteStartTransactionResponse { status: RemoteStartStopStatus::Accepted }.into(),
        ),
        (
            RemoteStartTransactionRequest { connector_id: None, id_tag: s("APP-USER-20"), charging_profile: None }.into(),
            RemoteStartTransactionResponse { status: RemoteStartStopStatus::Rejected }.into(),
        ),
        (
            RemoteStopTransactionRequest { transaction_id: 42 }.into(),
            RemoteStopTransactionResponse { status: RemoteStartStopStatus::Accepted }.into(),
        ),
        (ResetRequest { kind: ResetType::Soft }.into(), ResetResponse { status: ResetStatus::Accepted }.into()),
        (
            StartTransactionRequest {
                connector_id: 1,
                id_tag: s("04A2B3C4D5E6F7"),
                meter_start: 12_345,
                reservation_id: Some(5),
                timestamp: t("2024-05-01T12:00:00Z"),
            }
            .into(),
            StartTransactionResponse { id_tag_info: id_tag_info.clone(), transaction_id: 42 }.into(),
        ),
        (
            StatusNotificationRequest {
                connector_id: 1,
                error_code: ChargePointErrorCode::EvCommunicationError,
                info: Some(s("CP line lost")),
                status: ChargePointStatus::Faulted,
                timestamp: Some(t("2024-05-01T12:01:00Z")),
                vendor_id: Some(s("com.example")),
                vendor_error_code: Some(s("E-17")),
            }
            .into(),
            StatusNotificationResponse {}.into(),
        ),
        (
            StatusNotificationRequest {
                connector_id: 0,
                error_code: ChargePointErrorCode::NoError,
                info: None,
                status: ChargePointStatus::Available,
                timestamp: None,
                vendor_id: None,
                vendor_error_code: None,
            }
            .into(),
            StatusNotificationResponse {}.into(),
        ),
        (
            StopTransactionRequest {
                id_tag: Some(s("04A2B3C4D5E6F7")),
                meter_stop: 19_876,
                timestamp: t("2024-05-01T13:30:00Z"),
                transaction_id: 42,
                reason: Some(Reason::EvDisconnected),
                transaction_data: Some(List::try_from_iter([meter_value_10()]).unwrap()),
            }
            .into(),
            StopTransactionResponse { id_tag_info: Some(id_tag_info.clone()) }.into(),
        ),
        (
            StopTransactionRequest {
                id_tag: None,
                meter_stop: 0,
                timestamp: t("2024-05-01T13:30:00Z"),
                transaction_id: -3,
                reason: None,
                transaction_data: None,
            }
            .into(),
            StopTransactionResponse { id_tag_info: None }.into(),
        ),
        (
            UnlockConnectorRequest { connector_id: 1 }.into(),
            UnlockConnectorResponse { status: UnlockStatus::UnlockFailed }.into(),
        ),
        // Firmware Management
        (
            DiagnosticsStatusNotificationRequest { status: DiagnosticsStatus::Uploading }.into(),
            DiagnosticsStatusNotificationResponse {}.into(),
        ),
        (
            FirmwareStatusNotificationRequest { status: FirmwareStatus::InstallationFailed }.into(),
            FirmwareStatusNotificationResponse {}.into(),
        ),
        (
            GetDiagnosticsRequest {
                location: s("ftp://user:pw@127.0.0.1:2121/diagnostics/"),
                retries: Some(3),
                retry_interval: Some(60),
                start_time: Some(t("2024-04-01T00:00:00Z")),
                stop_time: Some(t("2024-05-01T00:00:00Z")),
            }
            .into(),
            GetDiagnosticsResponse { file_name: Some(s("diag-CP1-20240501.tar.gz")) }.into(),
        ),
        (
            GetDiagnosticsRequest {
                location: s("https://127.0.0.1/upload"),
                retries: None,
                retry_interval: None,
                start_time: None,
                stop_time: None,
            }
            .into(),
            GetDiagnosticsResponse { file_name: None }.into(),
        ),
        (
            UpdateFirmwareRequest {
                location: s("https://127.0.0.1:8443/fw/charger-1.5.0.bin?sig=abc%2Fdef&exp=1714567890"),
                retries: Some(5),
                retrieve_date: t("2024-05-02T03:00:00Z"),
                retry_interval: Some(300),
            }
            .into(),
            UpdateFirmwareResponse {}.into(),
        ),
        // Local Auth List Management
        (GetLocalListVersionRequest {}.into(), GetLocalListVersionResponse { list_version: 17 }.into()),
        (
            SendLocalListRequest {
                list_version: 18,
                local_authorization_list: Some(
                    List::try_from_iter([
                        AuthorizationData { id_tag: s("04A2B3C4D5E6F7"), id_tag_info: Some(id_tag_info.clone()) },
                        AuthorizationData { id_tag: s("0BADC0DE"), id_tag_info: None },
                    ])
                    .unwrap(),
                ),
                update_type: UpdateType::Differential,
            }
            .into(),
            SendLocalListResponse { status: UpdateStatus::VersionMismatch }.into(),
        ),
        (
            SendLocalListRequest { list_version: 1, local_authorization_list: None, update_type: UpdateType::Full }.into(),
            SendLocalListResponse { status: UpdateStatus::Accepted }.into(),
        ),
        // Reservation
        (
            CancelReservationRequest { reservation_id: 5 }.into(),
            CancelReservationResponse { status: CancelReservationStatus::Rejected }.into(),
        ),
        (
            ReserveNowRequest {
                connector_id: 0,
                expiry_date: t("2024-05-01T12:30:00Z"),
                id_tag: s("04A2B3C4D5E6F7"),
                parent_id_tag: Some(s("FLEET-7")),
                reservation_id: 5,
            }
            .into(),
            ReserveNowResponse { status: ReservationStatus::Occupied }.into(),
        ),
        // Smart Charging
        (
            ClearChargingProfileRequest {
                id: Some(12),
                connector_id: Some(1),
                charging_profile_purpose: Some(ChargingProfilePurpose::TxDefaultProfile),
                stack_level: Some(1),
            }
            .into(),
            ClearChargingProfileResponse { status: ClearChargingProfileStatus::Unknown }.into(),
        ),
        (ClearChargingProfileRequest::default().into(), ClearChargingProfileResponse { status: ClearChargingProfileStatus::Accepted }.into()),
        (
            GetCompositeScheduleRequest { connector_id: 1, duration: 86_400, charging_rate_unit: Some(ChargingRateUnit::W) }.into(),
            GetCompositeScheduleResponse {
                status: GetCompositeScheduleStatus::Accepted,
                connector_id: Some(1),
                schedule_start: Some(t("2024-05-01T00:00:00Z")),
                charging_schedule: Some(schedule(3, ChargingRateUnit::W)),
            }
            .into(),
        ),
        (
            GetCompositeScheduleRequest { connector_id: 9, duration: 60, charging_rate_unit: None }.into(),
            GetCompositeScheduleResponse {
                status: GetCompositeScheduleStatus::Rejected,
                connector_id: None,
                schedule_start: None,
                charging_schedule: None,
            }
            .into(),
        ),
        (
            SetChargingProfileRequest { connector_id: 0, cs_charging_profiles: profile(24) }.into(),
            SetChargingProfileResponse { status: ChargingProfileStatus::Accepted }.into(),
        ),
        (
            SetChargingProfileRequest {
                connector_id: 1,
                cs_charging_profiles: ChargingProfile {
                    charging_profile_id: 3,
                    transaction_id: Some(42),
                    stack_level: 2,
                    charging_profile_purpose: ChargingProfilePurpose::TxProfile,
                    charging_profile_kind: ChargingProfileKind::Recurring,
                    recurrency_kind: Some(RecurrencyKind::Daily),
                    valid_from: None,
                    valid_to: None,
                    charging_schedule: schedule(2, ChargingRateUnit::A),
                },
            }
            .into(),
            SetChargingProfileResponse { status: ChargingProfileStatus::Rejected }.into(),
        ),
        // Remote Trigger
        (
            TriggerMessageRequest { requested_message: MessageTrigger::StatusNotification, connector_id: Some(1) }.into(),
            TriggerMessageResponse { status: TriggerMessageStatus::Accepted }.into(),
        ),
        (
            TriggerMessageRequest { requested_message: MessageTrigger::DiagnosticsStatusNotification, connector_id: None }.into(),
            TriggerMessageResponse { status: TriggerMessageStatus::NotImplemented }.into(),
        ),
        // Security extension
        (
            CertificateSignedRequest { certificate_chain: s(&PEM.repeat(2)) }.into(),
            CertificateSignedResponse { status: CertificateSignedStatus::Accepted }.into(),
        ),
        (
            DeleteCertificateRequest { certificate_hash_data: hash_data() }.into(),
            DeleteCertificateResponse { status: DeleteCertificateStatus::NotFound }.into(),
        ),
        (
            ExtendedTriggerMessageRequest {
                requested_message: ExtendedMessageTrigger::SignChargePointCertificate,
                connector_id: None,
            }
            .into(),
            ExtendedTriggerMessageResponse { status: TriggerMessageStatus::Accepted }.into(),
        ),
        (
            GetInstalledCertificateIdsRequest { certificate_type: CertificateUse::CentralSystemRootCertificate }.into(),
            GetInstalledCertificateIdsResponse {
                certificate_hash_data: Some(List::try_from_iter([hash_data()]).unwrap()),
                status: GetInstalledCertificateStatus::Accepted,
            }
            .into(),
        ),
        (
            GetInstalledCertificateIdsRequest { certificate_type: CertificateUse::ManufacturerRootCertificate }.into(),
            GetInstalledCertificateIdsResponse { certificate_hash_data: None, status: GetInstalledCertificateStatus::NotFound }
                .into(),
        ),
        (
            GetLogRequest {
                log: LogParameters {
                    remote_location: s("https://127.0.0.1/logs"),
                    oldest_timestamp: Some(t("2024-04-01T00:00:00Z")),
                    latest_timestamp: Some(t("2024-05-01T00:00:00Z")),
                },
                log_type: LogType::SecurityLog,
                request_id: 77,
                retries: Some(2),
                retry_interval: Some(30),
            }
            .into(),
            GetLogResponse { status: LogStatus::Accepted, filename: Some(s("security-77.log")) }.into(),
        ),
        (
            InstallCertificateRequest { certificate_type: CertificateUse::ManufacturerRootCertificate, certificate: s(PEM) }.into(),
            InstallCertificateResponse { status: InstallCertificateStatus::Rejected }.into(),
        ),
        (
            LogStatusNotificationRequest { status: UploadLogStatus::Uploaded, request_id: Some(77) }.into(),
            LogStatusNotificationResponse {}.into(),
        ),
        (
            SecurityEventNotificationRequest {
                kind: s("SettingSystemTime"),
                timestamp: t("2024-05-01T12:00:00Z"),
                tech_info: Some(s("clock moved by +3.2 s")),
            }
            .into(),
            SecurityEventNotificationResponse {}.into(),
        ),
        (
            SignCertificateRequest {
                csr: s("-----BEGIN CERTIFICATE REQUEST-----\nMIIBWjCCAQACAQAwHjEcMBoGA1UEAwwTQ1AtMQ==\n-----END CERTIFICATE REQUEST-----\n"),
            }
            .into(),
            SignCertificateResponse { status: GenericStatus::Accepted }.into(),
        ),
        (
            SignedFirmwareStatusNotificationRequest { status: SignedFirmwareStatus::SignatureVerified, request_id: Some(9) }.into(),
            SignedFirmwareStatusNotificationResponse {}.into(),
        ),
        (
            SignedUpdateFirmwareRequest {
                retries: Some(3),
                retry_interval: Some(120),
                request_id: 9,
                firmware: Firmware {
                    location: s("https://127.0.0.1/fw/signed-1.5.0.bin"),
                    retrieve_date_time: t("2024-05-02T03:00:00Z"),
                    install_date_time: Some(t("2024-05-02T04:00:00Z")),
                    signing_certificate: s(PEM),
                    signature: s("MEUCIQDx0ZQ5mYbH8s9Yk1pZ2rTQ3w=="),
                },
            }
            .into(),
            SignedUpdateFirmwareResponse { status: UpdateFirmwareStatus::InvalidCertificate }.into(),
        ),
    ]
}

pub mod cert_store;
pub mod schema;
pub mod secure;
pub mod sim;
