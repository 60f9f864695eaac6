// Fills the registry with every op family's slow reference kernels. Each family defines its
// register_<family>_ref() in <family>/<family>_register.cc; uncomment a line when the family lands.
namespace nodulab {

void register_activation_ref();
void register_conv3d_ref();
void register_matmul_ref();
void register_pool3d_ref();
void register_batchnorm_ref();
void register_elementwise_ref();
void register_softmax_ref();
void register_contrastive_ref();
void register_noise_ref();

void register_ref_kernels() {
  register_activation_ref();
  register_conv3d_ref();
  register_matmul_ref();
  register_pool3d_ref();
  register_batchnorm_ref();
  register_elementwise_ref();
  register_softmax_ref();
  register_contrastive_ref();
  register_noise_ref();
}

}  // namespace nodulab
