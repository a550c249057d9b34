"""Integration test harness: private MariaDB and Apache servers on loopback,
the shared oxtender configuration, data loading, and the demo.

Modules: env (paths, ports, scratch dirs, processes), mariadb (MariaDB),
site (the psa + oxtender databases and the config file), apache (Apache with
mod_oxtender, error-log watch), oxsim (OX emulator, written separately),
demo (make demo / make demo-stop).
"""
