# Environment shared by make targets: quiet TensorFlow, no telemetry, .env if present.
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL=2
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONDONTWRITEBYTECODE=1
if [ -f .env ]; then set -a; source .env; set +a; fi
