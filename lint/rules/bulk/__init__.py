"""IL2xx: bulk volume and platform limits."""
