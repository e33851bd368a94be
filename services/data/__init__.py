"""Police-cloud data service (警务云大数据中心)."""
