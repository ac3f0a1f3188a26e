-- Prefect's own database beside Terrain's (compose.yaml's `prefect` service uses it).
CREATE DATABASE prefect OWNER terrain;
