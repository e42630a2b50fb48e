//! Random identifiers drawn from the operating system's generator (the folder id, pending
//! plan ids). External IDs are made in `setup`, from the same source through `rand`'s
//! thread generator, which is seeded by and reseeds from it.

use rand::TryRng;

use crate::error::{Error, Result};

/// `n` bytes from the OS's cryptographic generator, as lower-case hex (`2n` characters).
pub fn hex(n: usize) -> Result<String> {
    let mut bytes = vec![0u8; n];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| Error::Internal(format!("the operating system gave no random bytes: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
