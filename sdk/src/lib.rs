//! pmsync SDK
