//! The keychain round trip against a real Secret Service (run inside the test
//! session that scripts/test sets up: dbus-run-session + gnome-keyring).

use hallpass::secrets::{Credentials, Keychain, SecretStore, Sensitive};

#[test]
fn role_arn_and_external_id_round_trip_through_the_os_keychain() {
    let store = Keychain::with_service(format!("hallpass-test-{}", std::process::id()));
    assert!(store.load().expect("keychain reachable").is_none());
    let creds = Credentials {
        role_arn: Sensitive::new("arn:aws:iam::123456789012:role/HallpassManagementRole".into()),
        external_id: Sensitive::new("round-trip-external-id-0123456789".into()),
    };
    store.save(&creds).expect("save to keychain");
    let loaded = store.load().unwrap().expect("stored credentials");
    assert_eq!(loaded.role_arn, creds.role_arn);
    assert_eq!(loaded.external_id, creds.external_id);
    // A second connection overwrites the first.
    let newer = Credentials {
        role_arn: Sensitive::new("arn:aws:iam::210987654321:role/Other".into()),
        external_id: Sensitive::new("another-external-id-9876543210".into()),
    };
    store.save(&newer).unwrap();
    assert_eq!(store.load().unwrap().unwrap().role_arn, newer.role_arn);
    store.delete().unwrap();
    assert!(store.load().unwrap().is_none());
    store.delete().expect("deleting twice is fine");
}
