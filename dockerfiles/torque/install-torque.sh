#!/bin/sh
# Installs Torque 6.1.3 and what every ec4docker image has (sshd, munge, the ubuntu user) on a
# Fedora or EPEL 9 base, the only distributions that still ship Torque. Used by both Torque
# Dockerfiles. NOT RUN on the machine ec4docker is developed on: no such base is reachable there.
set -eu
if [ -f /etc/redhat-release ] && grep -q 'release 9' /etc/redhat-release && ! rpm -q epel-release >/dev/null 2>&1; then
  dnf install -y epel-release
fi
dnf install -y --setopt=install_weak_deps=False openssh-server openssh-clients munge procps-ng less hostname "$@"
dnf clean all
# No secret in the image: package-made keys go in the same layer.
rm -f /etc/munge/munge.key /etc/ssh/ssh_host_*key*
useradd -m -u 1000 -s /bin/bash ubuntu
usermod -p '*' ubuntu
install -d -m 0755 /etc/ec4docker/secrets /var/log/ec4docker /etc/ssh/sshd_config.d /etc/ssh/ssh_config.d
