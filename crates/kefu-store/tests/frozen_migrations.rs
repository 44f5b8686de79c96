//! A shipped migration never changes: a database past its version would never see the change.
//! This test holds a hash of every shipped migration file; a new migration adds its line here,
//! and no line is ever edited.

/// (version, FNV-1a 64 of `migrations/NNNN.sql`)
const SHIPPED: &[(usize, u64)] = &[
    (1, 0x46a70cef8806c0ad),
    (2, 0x2e6c6e6d548a3e51),
    (3, 0x95167519ba7b84a4),
    (4, 0x0ea6ef78b37749b5),
    (5, 0xffbd87349f5a3885),
    (6, 0x43b671f2f3a283eb),
    (7, 0x367cdc4399827ab1),
    (8, 0x63e3904c20f19075),
    (9, 0xe69eba572fd55305),
    (10, 0xfc6b97d3d23c7c2d),
    (12, 0xe24adc73da9df701),
    (13, 0x0649287cf9b15d31),
    (14, 0xa24ab542e509f32d),
    (15, 0xec1f65e83643518a),
    (16, 0x688599c94fd02fb5),
    (17, 0xea69fa21891b9d37),
    (18, 0x2b4918cfc941c721),
    (19, 0xd5f7b7498177d96f),
    (20, 0x537d25315840ca55),
    (21, 0xb779b7a28546a843),
    (22, 0x12e9a84752f1d953),
    (23, 0x29bdfc8cf630959a),
    (24, 0xce663a572bac8a2b),
    (25, 0x9f9ee6cc42b60544),
    (26, 0x77450c77458241bd),
    (27, 0xa21dc98a51afed55),
    (28, 0xe8f4258d08ec45f4),
    (29, 0xf6f9899604bba606),
];

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[test]
fn shipped_migrations_are_unchanged() {
    for &(version, hash) in SHIPPED {
        let sql = kefu_store::migration_sql(version)
            .unwrap_or_else(|| panic!("migration {version} is gone"));
        assert_eq!(
            fnv1a(sql.as_bytes()),
            hash,
            "migration {version} changed: write a new migration instead"
        );
    }
}

#[test]
fn every_migration_is_accounted_for() {
    let listed: Vec<i64> = SHIPPED.iter().map(|&(v, _)| v as i64).collect();
    assert_eq!(kefu_store::migration_versions(), listed);
}
